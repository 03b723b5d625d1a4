package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/audience"
	"github.com/heraldoa/herald/internal/confver"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// The menu's version history: every save is a version with its author and
// time; compare two, preview one as a follower or a tag, publish or roll
// back in one click, export and import JSON in WeChat's menu/get shape. See
// docs/publishing.md (Versions of menus and auto-replies).

// authored returns the request's context carrying the signed-in person as
// the author of the configuration changes made with it.
func authored(r *http.Request) context.Context {
	me := web.Person(r)
	if me == nil {
		return r.Context()
	}
	name := me.DisplayName
	if name == "" {
		name = me.Username
	}
	return confver.WithAuthor(r.Context(), confver.Author{PersonID: me.ID, Name: name})
}

// registerMenuVersions adds the menu history pages.
func (u *UI) registerMenuVersions(h core.Route) {
	if u.MenuStore == nil {
		return
	}
	h("GET /mp/a/{account}/menu/versions", u.menuVersions)
	h("POST /mp/a/{account}/menu/versions/import", u.menuVersionImport)
	h("GET /mp/a/{account}/menu/versions/{number}", u.menuVersion)
	h("GET /mp/a/{account}/menu/versions/{number}/export", u.menuVersionExport)
	h("POST /mp/a/{account}/menu/versions/{number}/publish", core.Post(u.UI, u.Member(account.ActMenu), core.Form[int64]{
		Parse: func(r *http.Request, _ *core.ConsoleCtx) (int64, error) { return pathNumber(r) },
		Do:    u.menuVersionPublish}))
}

type menuVersionsData struct {
	Versions []*menu.Version
	Current  int64 // the number followers get now (0: none yet)
	From, To int64 // compared versions
	Diff     []string
	Compared bool
	TagNames map[string]string
}

func (u *UI) tagNames(r *http.Request, accountID int64) (map[string]string, []audience.Tag, error) {
	names := map[string]string{}
	if u.Audience == nil {
		return names, nil, nil
	}
	tags, err := u.Audience.Tags(r.Context(), accountID)
	for _, t := range tags {
		names[strconv.FormatInt(t.ID, 10)] = t.Name
	}
	return names, tags, err
}

func nameOf(names map[string]string) func(string) string {
	return func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		return "tag " + id + " (deleted)"
	}
}

func (u *UI) menuVersions(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActMenu)
	if err != nil {
		return err
	}
	p := u.NewPage(w, r, "Menu history", nil)
	p.Console = c
	return u.renderMenuVersions(w, r, p, c, http.StatusOK)
}

func (u *UI) renderMenuVersions(w http.ResponseWriter, r *http.Request, p *core.Page, c *core.ConsoleCtx, status int) error {
	ctx := r.Context()
	d := &menuVersionsData{}
	var err error
	if d.Versions, err = u.MenuStore.Versions(ctx, c.Account.ID, 0, 100); err != nil {
		return err
	}
	if cur, err := u.MenuStore.CurrentVersion(ctx, c.Account.ID); err == nil {
		d.Current = cur.Number
	} else if !errors.Is(err, confver.ErrNoVersion) {
		return err
	}
	if d.TagNames, _, err = u.tagNames(r, c.Account.ID); err != nil {
		return err
	}
	q := r.URL.Query()
	d.From, _ = strconv.ParseInt(q.Get("from"), 10, 64)
	d.To, _ = strconv.ParseInt(q.Get("to"), 10, 64)
	if d.From > 0 && d.To > 0 {
		from, err := u.MenuStore.Version(ctx, c.Account.ID, d.From)
		if err != nil {
			return err
		}
		to, err := u.MenuStore.Version(ctx, c.Account.ID, d.To)
		if err != nil {
			return err
		}
		d.Compared, d.Diff = true, menu.Diff(from.Menus, to.Menus, nameOf(d.TagNames))
	} else if len(d.Versions) > 1 {
		d.From, d.To = d.Versions[1].Number, d.Versions[0].Number
	}
	p.Data = d
	return u.Render(w, r, status, "mp/menu_versions", p)
}

func pathNumber(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue("number"), 10, 64)
	if err != nil || n <= 0 {
		return 0, confver.ErrNoVersion
	}
	return n, nil
}

type menuVersionData struct {
	Version   *menu.Version
	Current   *menu.Version
	Diff      []string // from the current version to this one
	TagNames  map[string]string
	Tags      []audience.Tag
	Followers []*audience.Follower
	As        string // openid previewed
	Tag       string // tag previewed
	Preview   []menu.Button
	PreviewOf string // who the preview is for
}

// menuVersion shows one version: its menus, what a chosen follower or tag
// would get from it, and how it differs from the current version.
func (u *UI) menuVersion(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActMenu)
	if err != nil {
		return err
	}
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	v, err := u.MenuStore.Version(ctx, c.Account.ID, n)
	if err != nil {
		return err
	}
	d := &menuVersionData{Version: v}
	if d.TagNames, d.Tags, err = u.tagNames(r, c.Account.ID); err != nil {
		return err
	}
	if d.Current, err = u.MenuStore.CurrentVersion(ctx, c.Account.ID); err != nil && !errors.Is(err, confver.ErrNoVersion) {
		return err
	}
	if d.Current != nil && d.Current.Number != v.Number {
		d.Diff = menu.Diff(d.Current.Menus, v.Menus, nameOf(d.TagNames))
	}
	if u.Audience != nil {
		if d.Followers, err = u.Audience.Followers(ctx, c.Account.ID, audience.Query{Limit: 30}); err != nil {
			return err
		}
	}
	p := u.NewPage(w, r, fmt.Sprintf("Menu version %d", v.Number), d)
	p.Console = c
	q := r.URL.Query()
	d.As, d.Tag = strings.TrimSpace(q.Get("as")), strings.TrimSpace(q.Get("tag"))
	switch {
	case d.As != "" && u.Follows != nil:
		f, err := u.Follows.ByOpenID(ctx, c.Account.ID, d.As)
		if errors.Is(err, db.ErrNotFound) {
			p.Fields["as"] = "No follower of this account has that openid."
			break
		} else if err != nil {
			return err
		}
		if d.Preview, err = u.MenuStore.PreviewFollower(ctx, c.Account.ID, f.PersonID, &v.Menus); err != nil {
			return err
		}
		d.PreviewOf = "the follower " + d.As
		for _, fl := range d.Followers {
			if fl.OpenID == d.As {
				d.PreviewOf = fl.DisplayName
				if fl.Remark != "" {
					d.PreviewOf = fl.Remark
				}
			}
		}
	case d.Tag != "":
		tag, _ := strconv.ParseInt(d.Tag, 10, 64)
		d.Preview = v.Menus.Resolve(map[int64]bool{tag: true})
		d.PreviewOf = fmt.Sprintf("followers tagged %q", nameOf(d.TagNames)(d.Tag))
	default:
		d.Preview = v.Menus.Resolve(nil)
		d.PreviewOf = "followers without tags"
	}
	return u.Render(w, r, http.StatusOK, "mp/menu_version", p)
}

// menuVersionExport downloads a version as JSON in WeChat's menu/get shape.
func (u *UI) menuVersionExport(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActMenu)
	if err != nil {
		return err
	}
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	v, err := u.MenuStore.Version(r.Context(), c.Account.ID, n)
	if err != nil {
		return err
	}
	body, err := menu.Export(v.Menus)
	if err != nil {
		return err
	}
	return downloadJSON(w, fmt.Sprintf("menu-%d-v%d.json", c.Account.ID, v.Number), body)
}

// downloadJSON answers body as a JSON file the browser saves as name.
func downloadJSON(w http.ResponseWriter, name string, body []byte) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err := w.Write(body)
	return err
}

// menuVersionPublish makes a version what followers get (a rollback when
// it is older than the current one).
func (u *UI) menuVersionPublish(r *http.Request, c *core.ConsoleCtx, n int64) (core.Done, error) {
	v, err := u.MenuStore.Publish(authored(r), c.Account.ID, n)
	if err != nil {
		if e := core.UserError(err); e != nil && e.Kind != errs.KindNotFound {
			// A version that cannot be published now: back to it, with why.
			return core.Done{To: fmt.Sprintf("menu/versions/%d", n), Flash: errs.Message(err)}, nil
		}
		return core.Done{}, core.AsPage(err)
	}
	return core.Done{To: "menu/versions", Flash: v.Note + ": followers see it now (version " + strconv.FormatInt(v.Number, 10) + ")."}, nil
}

// menuVersionImport stores an uploaded or pasted JSON file as a draft
// version.
func (u *UI) menuVersionImport(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActMenu)
	if err != nil {
		return err
	}
	var data []byte
	if err := parseMultipart(w, r); err != nil {
		return err
	}
	if f, _, err := r.FormFile("file"); err == nil {
		data, err = io.ReadAll(f)
		f.Close()
		if err != nil {
			return errs.Invalidf("The file could not be read (at most 1 MB).")
		}
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		data = []byte(r.PostFormValue("json"))
	}
	p := u.NewPage(w, r, "Menu history", nil)
	p.Console = c
	if len(strings.TrimSpace(string(data))) == 0 {
		p.Fields["file"] = "Choose a JSON file or paste the JSON."
		return u.renderMenuVersions(w, r, p, c, http.StatusUnprocessableEntity)
	}
	v, err := u.MenuStore.Import(authored(r), c.Account.ID, data, r.PostFormValue("note"))
	if err != nil {
		var e *errs.Error
		if !errors.As(err, &e) || e.Kind == errs.KindInternal {
			return err
		}
		p.Form = r.PostForm
		p.Error = "Not imported: " + e.Message
		return u.renderMenuVersions(w, r, p, c, web.Status(err))
	}
	return u.Redirect(w, r, fmt.Sprintf("/mp/a/%d/menu/versions/%d", c.Account.ID, v.Number),
		fmt.Sprintf("Imported as version %d, a draft: followers see it once you publish it.", v.Number))
}

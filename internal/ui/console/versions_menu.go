package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/audience"
	"github.com/heraldoa/herald/internal/confver"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/ui/core"
)

// The menu's history (versions.go): a version's page previews the menu a
// chosen follower, or followers with a tag, would get from it.

func (u *UI) registerMenuVersions(h core.Route) {
	if u.MenuStore == nil {
		return
	}
	hist := &history[*menu.Version]{path: "menu", action: account.ActMenu, title: "Menu history",
		store:  u.MenuStore,
		meta:   func(v *menu.Version) *confver.Version { return v.Version },
		export: func(v *menu.Version) ([]byte, error) { return menu.Export(v.Menus) },
		diff: func(r *http.Request, c *core.ConsoleCtx, from, to *menu.Version) ([]errs.Phrase, error) {
			names, _, err := u.tagNames(r, c.Account.ID)
			return menu.Changes(from.Menus, to.Menus, nameOf(names)), err
		},
		same:    "The two versions have the same menus.",
		live:    "followers see it now",
		drafted: "followers see it once you publish it."}
	hist.one = core.View{Title: "Menu version", Template: "mp/menu_version", Load: func(r *http.Request, p *core.Page) error {
		head, err := hist.head(r, p)
		if err != nil {
			return err
		}
		return u.loadMenuVersion(r, p, head)
	}}
	hist.register(u, h)
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

type menuVersionData struct {
	versionHead[*menu.Version]
	TagNames  map[string]string
	Tags      []audience.Tag
	Followers []*audience.Follower
	As        string // openid previewed
	Tag       string // tag previewed
	Preview   []menu.Button
	PreviewOf string // who the preview is for
}

// loadMenuVersion adds to a version's page what a chosen follower or tag
// would get from it.
func (u *UI) loadMenuVersion(r *http.Request, p *core.Page, head versionHead[*menu.Version]) error {
	ctx, c, v := r.Context(), p.Console, head.Version
	d := &menuVersionData{versionHead: head}
	p.Data = d
	var err error
	if d.TagNames, d.Tags, err = u.tagNames(r, c.Account.ID); err != nil {
		return err
	}
	if u.Audience != nil {
		if d.Followers, err = u.Audience.Followers(ctx, c.Account.ID, audience.Query{Limit: 30}); err != nil {
			return err
		}
	}
	q := r.URL.Query()
	d.As, d.Tag = strings.TrimSpace(q.Get("as")), strings.TrimSpace(q.Get("tag"))
	switch {
	case d.As != "" && u.Follows != nil:
		f, err := u.Follows.ByOpenID(ctx, c.Account.ID, d.As)
		if errors.Is(err, errs.NotFound) {
			p.Fields["as"] = u.T(r, "No follower of this account has that openid.")
			break
		} else if err != nil {
			return err
		}
		if d.Preview, err = u.MenuStore.PreviewFollower(ctx, c.Account.ID, f.PersonID, &v.Menus); err != nil {
			return err
		}
		d.PreviewOf = u.T(r, "What the follower %s would see:", d.As)
		for _, fl := range d.Followers {
			if fl.OpenID == d.As {
				name := fl.DisplayName
				if fl.Remark != "" {
					name = fl.Remark
				}
				d.PreviewOf = u.T(r, "What %s would see:", name)
			}
		}
	case d.Tag != "":
		tag, _ := strconv.ParseInt(d.Tag, 10, 64)
		d.Preview = v.Menus.Resolve(map[int64]bool{tag: true})
		d.PreviewOf = u.T(r, "What followers tagged “%s” would see:", nameOf(d.TagNames)(d.Tag))
	default:
		d.Preview = v.Menus.Resolve(nil)
		d.PreviewOf = u.T(r, "What followers without tags would see:")
	}
	return nil
}

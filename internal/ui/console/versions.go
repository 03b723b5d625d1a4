package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/confver"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// The version history of an account's menus and of its auto-replies: every
// save is a version with its author and time; compare two, look at one (a
// follower's menu, or what a message would get), publish or roll back in
// one click, export and import JSON in WeChat's shapes. The two kinds share
// these pages through history; each brings its store, its diff and its
// detail page (versions_menu.go, versions_autoreply.go). See
// docs/publishing.md (Versions of menus and auto-replies).

// versionStore is what the history pages need of a configuration's store
// (menu.Store, autoreply.Store), V being its version type.
type versionStore[V any] interface {
	Versions(ctx context.Context, accountID, before int64, limit int) ([]V, error)
	Version(ctx context.Context, accountID, number int64) (V, error)
	CurrentVersion(ctx context.Context, accountID int64) (V, error)
	Publish(ctx context.Context, accountID, number int64) (V, error)
	Import(ctx context.Context, accountID int64, data []byte, note string) (V, error)
}

// history is the version pages of one kind of configuration, below
// /mp/a/{account}/{path}/versions.
type history[V any] struct {
	path    string // "menu", "autoreply"
	action  string // the account.Act* the pages need
	title   string // "Menu history"
	store   versionStore[V]
	meta    func(V) *confver.Version
	export  func(V) ([]byte, error)
	diff    func(r *http.Request, c *core.ConsoleCtx, from, to V) ([]errs.Phrase, error)
	one     core.View // one version's page; its Load gets the versionHead from headOf
	same    string    // the comparison of two equal versions
	live    string    // the flash after publishing, after "<note>: "
	drafted string    // the flash after an import, after "Imported as version N, a draft: "
	u       *UI       // set by register, for the texts written in the reader's language
}

// register adds the history's routes.
func (h *history[V]) register(u *UI, route core.Route) {
	h.u = u
	in := u.Member(h.action)
	list := core.View{Title: h.title, Template: "mp/" + h.path + "_versions", Load: h.loadList}
	base := "/mp/a/{account}/" + h.path + "/versions"
	route("GET "+base, u.Get(in, list))
	route("POST "+base+"/import", core.Post(u.UI, in, core.Form[[]byte]{View: list, Read: parseMultipart, Parse: readImport, Do: h.doImport}))
	route("GET "+base+"/{number}", u.Get(in, h.one))
	route("GET "+base+"/{number}/export", u.In(in, h.download))
	route("POST "+base+"/{number}/publish", core.Post(u.UI, in, core.Form[int64]{
		Parse: func(r *http.Request, _ *core.ConsoleCtx) (int64, error) { return pathNumber(r) },
		Do:    h.publish}))
}

// versionsData is the history's list: the versions, the live one and a
// comparison of two.
type versionsData[V any] struct {
	Path     string // the history's path: "menu", "autoreply"
	Same     string // what the comparison says of two equal versions
	Versions []V
	Current  int64         // the number followers get now (0: none yet)
	From, To int64         // compared versions
	Diff     []errs.Phrase // the changes, written with the "phrase" template function
	Compared bool
}

func (h *history[V]) loadList(r *http.Request, p *core.Page) error {
	ctx, c := r.Context(), p.Console
	d := &versionsData[V]{Path: h.path, Same: h.same}
	var err error
	if d.Versions, err = h.store.Versions(ctx, c.Account.ID, 0, 100); err != nil {
		return err
	}
	if cur, err := h.store.CurrentVersion(ctx, c.Account.ID); err == nil {
		d.Current = h.meta(cur).Number
	} else if !errors.Is(err, confver.ErrNoVersion) {
		return err
	}
	q := r.URL.Query()
	d.From, _ = strconv.ParseInt(q.Get("from"), 10, 64)
	d.To, _ = strconv.ParseInt(q.Get("to"), 10, 64)
	if d.From > 0 && d.To > 0 {
		from, err := h.store.Version(ctx, c.Account.ID, d.From)
		if err != nil {
			return err
		}
		to, err := h.store.Version(ctx, c.Account.ID, d.To)
		if err != nil {
			return err
		}
		if d.Diff, err = h.diff(r, c, from, to); err != nil {
			return err
		}
		d.Compared = true
	} else if len(d.Versions) > 1 {
		d.From, d.To = h.meta(d.Versions[1]).Number, h.meta(d.Versions[0]).Number
	}
	p.Data = d
	return nil
}

// versionHead is what every version page shows: the version, the live one
// and how this one differs from it.
type versionHead[V any] struct {
	Version V
	Current V // nil when nothing is live yet
	Diff    []errs.Phrase
}

// head loads the version named in the path with the live one, and titles
// the page after it.
func (h *history[V]) head(r *http.Request, p *core.Page) (versionHead[V], error) {
	var d versionHead[V]
	n, err := pathNumber(r)
	if err != nil {
		return d, err
	}
	ctx, c := r.Context(), p.Console
	if d.Version, err = h.store.Version(ctx, c.Account.ID, n); err != nil {
		return d, err
	}
	cur, err := h.store.CurrentVersion(ctx, c.Account.ID)
	switch {
	case errors.Is(err, confver.ErrNoVersion):
	case err != nil:
		return d, err
	default:
		d.Current = cur
		if h.meta(cur).Number != n {
			if d.Diff, err = h.diff(r, c, cur, d.Version); err != nil {
				return d, err
			}
		}
	}
	p.Title = fmt.Sprintf("%s %d", p.Title, n)
	return d, nil
}

// download answers a version as a JSON file.
func (h *history[V]) download(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	v, err := h.store.Version(r.Context(), c.Account.ID, n)
	if err != nil {
		return err
	}
	body, err := h.export(v)
	if err != nil {
		return err
	}
	return downloadJSON(w, fmt.Sprintf("%s-%d-v%d.json", h.path, c.Account.ID, n), body)
}

// publish makes a version what followers get (a rollback when it is older
// than the live one). A version that cannot be published now sends the
// person back to it, with why.
func (h *history[V]) publish(r *http.Request, c *core.ConsoleCtx, n int64) (core.Done, error) {
	v, err := h.store.Publish(authored(r), c.Account.ID, n)
	if err != nil {
		if e := core.UserError(err); e != nil && !errors.Is(err, errs.NotFound) {
			return core.Done{To: fmt.Sprintf("%s/versions/%d", h.path, n), Flash: core.MessageIn(err, h.u.Locale(r))}, nil
		}
		return core.Done{}, core.AsPage(err)
	}
	m := h.meta(v)
	return core.Done{To: h.path + "/versions", Flash: h.u.T(r, "%s: %s (version %s).", m.Note, h.u.Locale(r).Text(h.live), strconv.FormatInt(m.Number, 10))}, nil
}

// readImport reads an import form's JSON: the uploaded file, else the
// pasted text.
func readImport(r *http.Request, _ *core.ConsoleCtx) ([]byte, error) {
	var data []byte
	if f, _, err := r.FormFile("file"); err == nil {
		data, err = io.ReadAll(io.LimitReader(f, 1<<20))
		f.Close()
		if err != nil {
			return nil, errs.Invalidf("The file could not be read (at most 1 MB).")
		}
	}
	if strings.TrimSpace(string(data)) == "" {
		data = []byte(r.PostFormValue("json"))
	}
	return data, nil
}

// doImport stores the JSON as a draft version; what is wrong with it is
// said over the form.
func (h *history[V]) doImport(r *http.Request, c *core.ConsoleCtx, data []byte) (core.Done, error) {
	if strings.TrimSpace(string(data)) == "" {
		return core.Done{}, errs.FieldInvalid("file", "Choose a JSON file or paste the JSON.")
	}
	v, err := h.store.Import(authored(r), c.Account.ID, data, r.PostFormValue("note"))
	if err != nil {
		if e := core.UserError(err); e != nil {
			return core.Done{}, &errs.Error{Kind: e.Kind, Message: h.u.T(r, "Not imported: %s", core.MessageIn(e, h.u.Locale(r))), Err: err}
		}
		return core.Done{}, err
	}
	n := h.meta(v).Number
	return core.Done{To: fmt.Sprintf("%s/versions/%d", h.path, n), Flash: h.u.T(r, "Imported as version %s, a draft: %s", strconv.FormatInt(n, 10), h.u.Locale(r).Text(h.drafted))}, nil
}

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

func pathNumber(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue("number"), 10, 64)
	if err != nil || n <= 0 {
		return 0, confver.ErrNoVersion
	}
	return n, nil
}

// downloadJSON answers body as a JSON file the browser saves as name.
func downloadJSON(w http.ResponseWriter, name string, body []byte) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err := w.Write(body)
	return err
}

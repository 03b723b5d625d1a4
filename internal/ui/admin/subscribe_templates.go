package admin

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/subscribemsg"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// The public library of subscription-notification templates, which
// accounts add private templates from (wxaapi/newtmpl/addtemplate).
func (u *UI) registerSubscribeLibrary(h core.Route) {
	if u.Subscriptions == nil {
		return
	}
	h("GET /admin/subscribe-templates", u.Staff(u.subLibraryPage))
	h("POST /admin/subscribe-templates", u.Staff(u.subLibrarySave))
	h("POST /admin/subscribe-templates/{tid}/retire", u.Staff(u.subLibraryRetire))
}

type subLibraryData struct {
	Templates  []*subscribemsg.LibraryTemplate
	Categories []subscribemsg.Category
	Rules      string
	CanEdit    bool
}

func (u *UI) subLibraryRender(w http.ResponseWriter, r *http.Request, p *core.Page, status int) error {
	list, _, err := u.Subscriptions.Library(r.Context(), nil, true, 0, 1000)
	if err != nil {
		return err
	}
	p.Data = &subLibraryData{Templates: list, Categories: subscribemsg.Categories, Rules: strings.Join(subscribemsg.Rules, ", "),
		CanEdit: web.Person(r).IsAdmin()}
	return u.Render(w, r, status, "admin/subscribe_templates", p)
}

func (u *UI) subLibraryPage(w http.ResponseWriter, r *http.Request) error {
	return u.subLibraryRender(w, r, u.NewPage(w, r, "Notification templates", nil), http.StatusOK)
}

func (u *UI) subLibrarySave(w http.ResponseWriter, r *http.Request) error {
	me := web.Person(r)
	if !me.IsAdmin() {
		return errs.Forbiddenf("Only platform administrators can change the notification library.")
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	typ, _ := strconv.Atoi(f.Get("type"))
	cat, _ := strconv.Atoi(f.Get("category"))
	t := &subscribemsg.LibraryTemplate{Title: f.Get("title"), Type: typ, CategoryID: cat}
	kws, err := subscribemsg.ParseKeywords(f.Get("keywords"))
	if err == nil {
		t.Keywords = kws
		err = u.Subscriptions.SaveLibrary(r.Context(), t)
	}
	if err != nil {
		var e *errs.Error
		if !core.AsErr(err, &e) || e.Kind == errs.KindInternal {
			return err
		}
		p := u.NewPage(w, r, "Notification templates", nil)
		p.Form = f
		if e.Field != "" {
			p.Fields[e.Field] = e.Message
		} else {
			p.Error = e.Message
		}
		return u.subLibraryRender(w, r, p, web.Status(err))
	}
	if err := u.Review.Audit(r.Context(), me, "subscribe_template.add", 0, fmt.Sprintf("%d %q", t.TID, t.Title)); err != nil {
		return err
	}
	return u.Redirect(w, r, "/admin/subscribe-templates", fmt.Sprintf("%q is in the library as tid %d.", t.Title, t.TID))
}

func (u *UI) subLibraryRetire(w http.ResponseWriter, r *http.Request) error {
	me := web.Person(r)
	if !me.IsAdmin() {
		return errs.Forbiddenf("Only platform administrators can change the notification library.")
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	tid, err := core.PathID(r, "tid")
	if err != nil {
		return err
	}
	t, err := u.Subscriptions.LibraryTemplate(r.Context(), tid)
	if err != nil {
		return errs.NotFoundf("There is no such template.")
	}
	t.Retired = r.PostForm.Get("retired") != "false"
	if err := u.Subscriptions.SaveLibrary(r.Context(), t); err != nil {
		return err
	}
	action, msg := "subscribe_template.retire", " is retired: accounts can no longer add it."
	if !t.Retired {
		action, msg = "subscribe_template.restore", " is back in the library."
	}
	if err := u.Review.Audit(r.Context(), me, action, 0, fmt.Sprintf("%d %q", t.TID, t.Title)); err != nil {
		return err
	}
	return u.Redirect(w, r, "/admin/subscribe-templates", strconv.Quote(t.Title)+msg)
}

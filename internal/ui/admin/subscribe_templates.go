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
	admins := u.StaffOnly("Only platform administrators can change the notification library.")
	lib := core.View{Title: "Notification templates", Template: "admin/subscribe_templates", Load: u.loadSubLibrary}
	h("GET /admin/subscribe-templates", u.Get(u.StaffOnly(""), lib))
	h("POST /admin/subscribe-templates", core.Post(u.UI, admins, core.Form[core.None]{View: lib, Do: u.subLibrarySave}))
	h("POST /admin/subscribe-templates/{tid}/retire", core.Post(u.UI, admins, core.Form[*subscribemsg.LibraryTemplate]{Parse: u.subLibraryTemplate, Do: u.subLibraryRetire}))
}

type subLibraryData struct {
	Templates  []*subscribemsg.LibraryTemplate
	Categories []subscribemsg.Category
	Rules      string
	CanEdit    bool
}

func (u *UI) loadSubLibrary(r *http.Request, p *core.Page) error {
	list, _, err := u.Subscriptions.Library(r.Context(), nil, true, 0, 1000)
	if err != nil {
		return err
	}
	p.Data = &subLibraryData{Templates: list, Categories: subscribemsg.Categories, Rules: strings.Join(subscribemsg.Rules, ", "),
		CanEdit: web.Person(r).IsAdmin()}
	return nil
}

func (u *UI) subLibrarySave(r *http.Request, _ *core.ConsoleCtx, _ core.None) (core.Done, error) {
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
		return core.Done{}, err
	}
	if err := u.Review.Audit(r.Context(), web.Person(r), "subscribe_template.add", 0, errs.Phrase{Format: "Subscription template %d: %s", Args: []any{t.TID, errs.Content(t.Title)}}); err != nil {
		return core.Done{}, core.AsPage(err)
	}
	return core.Done{To: "/admin/subscribe-templates", Flash: fmt.Sprintf("%q is in the library as tid %d.", t.Title, t.TID)}, nil
}

// subLibraryTemplate reads the library template named in the path.
func (u *UI) subLibraryTemplate(r *http.Request, _ *core.ConsoleCtx) (*subscribemsg.LibraryTemplate, error) {
	tid, err := core.PathID(r, "tid")
	if err != nil {
		return nil, err
	}
	t, err := u.Subscriptions.LibraryTemplate(r.Context(), tid)
	if err != nil {
		return nil, errs.NotFoundf("There is no such template.")
	}
	return t, nil
}

func (u *UI) subLibraryRetire(r *http.Request, _ *core.ConsoleCtx, t *subscribemsg.LibraryTemplate) (core.Done, error) {
	t.Retired = r.PostForm.Get("retired") != "false"
	if err := u.Subscriptions.SaveLibrary(r.Context(), t); err != nil {
		return core.Done{}, err
	}
	action, msg := "subscribe_template.retire", " is retired: accounts can no longer add it."
	if !t.Retired {
		action, msg = "subscribe_template.restore", " is back in the library."
	}
	if err := u.Review.Audit(r.Context(), web.Person(r), action, 0, errs.Phrase{Format: "Subscription template %d: %s", Args: []any{t.TID, errs.Content(t.Title)}}); err != nil {
		return core.Done{}, err
	}
	return core.Done{To: "/admin/subscribe-templates", Flash: strconv.Quote(t.Title) + msg}, nil
}

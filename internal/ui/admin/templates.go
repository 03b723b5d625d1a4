package admin

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/tmplmsg"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

type libraryData struct {
	Templates  []*tmplmsg.LibraryTemplate
	Industries []tmplmsg.Industry
	Editing    *tmplmsg.LibraryTemplate // nil: the add form
	CanEdit    bool
}

// libraryTemplate reads the library template named in the path, nil on
// the add form.
func (u *UI) libraryTemplate(r *http.Request, _ *core.ConsoleCtx) (*tmplmsg.LibraryTemplate, error) {
	if r.PathValue("id") == "" {
		return nil, nil
	}
	id, err := core.PathID(r, "id")
	if err != nil {
		return nil, err
	}
	return u.Templates.LibraryTemplate(r.Context(), id)
}

// loadLibrary fills the template library; with a template in the path, its
// edit form (filled with it when first shown).
func (u *UI) loadLibrary(r *http.Request, p *core.Page) error {
	editing, err := u.libraryTemplate(r, nil)
	if err != nil {
		return err
	}
	list, err := u.Templates.Library(r.Context(), true)
	if err != nil {
		return err
	}
	p.Data = &libraryData{Templates: list, Industries: tmplmsg.Industries, Editing: editing, CanEdit: web.Person(r).IsAdmin()}
	if p.Form == nil && editing != nil {
		p.Title = u.T(r, "Edit %s", editing.ShortID)
		p.Form = map[string][]string{"short_id": {editing.ShortID}, "title": {editing.Title}, "industry": {strconv.Itoa(editing.Industry)},
			"content": {editing.Content}, "example": {editing.Example}}
	}
	return nil
}

// librarySave adds a template (editing nil) or saves an edit.
func (u *UI) librarySave(r *http.Request, _ *core.ConsoleCtx, editing *tmplmsg.LibraryTemplate) (core.Done, error) {
	f := r.PostForm
	industry, _ := strconv.Atoi(f.Get("industry"))
	t := &tmplmsg.LibraryTemplate{ShortID: f.Get("short_id"), Title: f.Get("title"), Industry: industry, Content: f.Get("content"), Example: f.Get("example")}
	action := "template.add"
	if editing != nil {
		t.ID, action = editing.ID, "template.edit"
	}
	if err := u.Templates.SaveLibrary(r.Context(), t); err != nil {
		return core.Done{}, err
	}
	if err := u.Review.Audit(r.Context(), web.Person(r), action, 0, errs.Phrase{Format: "Template %s: %s (%s)", Args: []any{errs.Content(t.ShortID), errs.Content(t.Title), errs.Content(t.IndustryInfo().Name())}}); err != nil {
		return core.Done{}, core.AsPage(err)
	}
	return core.Done{To: "/admin/templates", Flash: fmt.Sprintf("%s %s is saved.", t.ShortID, t.Title)}, nil
}

func (u *UI) libraryRetire(r *http.Request, _ *core.ConsoleCtx, id int64) (core.Done, error) {
	retire := r.PostForm.Get("retired") != "false"
	t, err := u.Templates.SetRetired(r.Context(), id, retire)
	if err != nil {
		return core.Done{}, err
	}
	action, msg := "template.retire", " is retired: accounts can no longer add it."
	if !retire {
		action, msg = "template.restore", " is back in the library."
	}
	if err := u.Review.Audit(r.Context(), web.Person(r), action, 0, errs.Phrase{Format: "Template %s: %s", Args: []any{errs.Content(t.ShortID), errs.Content(t.Title)}}); err != nil {
		return core.Done{}, err
	}
	return core.Done{To: "/admin/templates", Flash: t.ShortID + msg}, nil
}

// registerTemplateLibrary adds the platform's template library.
func (u *UI) registerTemplateLibrary(h core.Route) {
	if u.Templates == nil {
		return
	}
	staff, admins := u.StaffOnly(""), u.StaffOnly("Only platform administrators can change the template library.")
	lib := core.View{Title: "Template library", Template: "admin/templates", Load: u.loadLibrary}
	id := func(r *http.Request, _ *core.ConsoleCtx) (int64, error) { return core.PathID(r, "id") }
	h("GET /admin/templates", u.Get(staff, lib))
	h("POST /admin/templates", core.Post(u.UI, admins, core.Form[*tmplmsg.LibraryTemplate]{View: lib, Parse: u.libraryTemplate, Do: u.librarySave}))
	h("GET /admin/templates/{id}", u.Get(staff, lib))
	h("POST /admin/templates/{id}", core.Post(u.UI, admins, core.Form[*tmplmsg.LibraryTemplate]{View: lib, Parse: u.libraryTemplate, Do: u.librarySave}))
	h("POST /admin/templates/{id}/retire", core.Post(u.UI, admins, core.Form[int64]{Parse: id, Do: u.libraryRetire}))
}

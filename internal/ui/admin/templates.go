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

func (u *UI) libraryRender(w http.ResponseWriter, r *http.Request, p *core.Page, editing *tmplmsg.LibraryTemplate, status int) error {
	list, err := u.Templates.Library(r.Context(), true)
	if err != nil {
		return err
	}
	p.Data = &libraryData{Templates: list, Industries: tmplmsg.Industries, Editing: editing, CanEdit: web.Person(r).IsAdmin()}
	if p.Form == nil && editing != nil {
		p.Form = map[string][]string{"short_id": {editing.ShortID}, "title": {editing.Title}, "industry": {strconv.Itoa(editing.Industry)},
			"content": {editing.Content}, "example": {editing.Example}}
	}
	return u.Render(w, r, status, "admin/templates", p)
}

func (u *UI) libraryPage(w http.ResponseWriter, r *http.Request) error {
	return u.libraryRender(w, r, u.NewPage(w, r, "Template library", nil), nil, http.StatusOK)
}

func (u *UI) libraryEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := core.PathID(r, "id")
	if err != nil {
		return err
	}
	t, err := u.Templates.LibraryTemplate(r.Context(), id)
	if err != nil {
		return err
	}
	return u.libraryRender(w, r, u.NewPage(w, r, "Edit "+t.ShortID, nil), t, http.StatusOK)
}

func (u *UI) librarySave(w http.ResponseWriter, r *http.Request) error {
	me := web.Person(r)
	if !me.IsAdmin() {
		return errs.Forbiddenf("Only platform administrators can change the template library.")
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	industry, _ := strconv.Atoi(f.Get("industry"))
	t := &tmplmsg.LibraryTemplate{ShortID: f.Get("short_id"), Title: f.Get("title"), Industry: industry, Content: f.Get("content"), Example: f.Get("example")}
	var editing *tmplmsg.LibraryTemplate
	action := "template.add"
	if r.PathValue("id") != "" {
		id, err := core.PathID(r, "id")
		if err != nil {
			return err
		}
		if editing, err = u.Templates.LibraryTemplate(r.Context(), id); err != nil {
			return err
		}
		t.ID, action = id, "template.edit"
	}
	if err := u.Templates.SaveLibrary(r.Context(), t); err != nil {
		var e *errs.Error
		if !core.AsErr(err, &e) || e.Kind == errs.KindInternal {
			return err
		}
		p := u.NewPage(w, r, "Template library", nil)
		p.Form = f
		if e.Field != "" {
			p.Fields[e.Field] = e.Message
		} else {
			p.Error = e.Message
		}
		return u.libraryRender(w, r, p, editing, web.Status(err))
	}
	if err := u.Review.Audit(r.Context(), me, action, 0, fmt.Sprintf("%s %q (%s)", t.ShortID, t.Title, t.IndustryInfo().Name())); err != nil {
		return err
	}
	return u.Redirect(w, r, "/admin/templates", fmt.Sprintf("%s %s is saved.", t.ShortID, t.Title))
}

func (u *UI) libraryRetire(w http.ResponseWriter, r *http.Request) error {
	me := web.Person(r)
	if !me.IsAdmin() {
		return errs.Forbiddenf("Only platform administrators can change the template library.")
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	id, err := core.PathID(r, "id")
	if err != nil {
		return err
	}
	retire := r.PostForm.Get("retired") != "false"
	t, err := u.Templates.SetRetired(r.Context(), id, retire)
	if err != nil {
		return err
	}
	action, msg := "template.retire", " is retired: accounts can no longer add it."
	if !retire {
		action, msg = "template.restore", " is back in the library."
	}
	if err := u.Review.Audit(r.Context(), me, action, 0, fmt.Sprintf("%s %q", t.ShortID, t.Title)); err != nil {
		return err
	}
	return u.Redirect(w, r, "/admin/templates", t.ShortID+msg)
}

// registerTemplateLibrary adds the platform's template library.
func (u *UI) registerTemplateLibrary(h core.Route) {
	if u.Templates == nil {
		return
	}
	h("GET /admin/templates", u.Staff(u.libraryPage))
	h("POST /admin/templates", u.Staff(u.librarySave))
	h("GET /admin/templates/{id}", u.Staff(u.libraryEdit))
	h("POST /admin/templates/{id}", u.Staff(u.librarySave))
	h("POST /admin/templates/{id}/retire", u.Staff(u.libraryRetire))
}

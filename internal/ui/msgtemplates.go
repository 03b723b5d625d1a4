package ui

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/tmplmsg"
	"github.com/heraldoa/herald/internal/web"
)

// Template messages (issue #8): the platform's library at /admin/templates
// and an account's industry, private templates and sent log at
// /mp/a/{account}/templates.
func (u *UI) registerTemplates(h route) {
	if u.Templates == nil {
		return
	}
	h("GET /mp/a/{account}/templates", u.tplConsole)
	h("POST /mp/a/{account}/templates/industry", u.tplSetIndustry)
	h("POST /mp/a/{account}/templates/add", u.tplAdd)
	h("POST /mp/a/{account}/templates/delete", u.tplDelete)
	u.addNav(navItem{Label: "Templates", Path: "templates", Action: account.ActDeveloper, Order: 62})

	h("GET /admin/templates", u.staff(u.libraryPage))
	h("POST /admin/templates", u.staff(u.librarySave))
	h("GET /admin/templates/{id}", u.staff(u.libraryEdit))
	h("POST /admin/templates/{id}", u.staff(u.librarySave))
	h("POST /admin/templates/{id}/retire", u.staff(u.libraryRetire))
}

// templateCard is a template message as the chat shows it.
type templateCard struct {
	Lines []tmplmsg.Line
}

// templateLines reads the lines stored in a template message's body.
func templateLines(m *message.Message) []tmplmsg.Line {
	switch d := m.Body.Data.(type) {
	case []tmplmsg.Line:
		return d
	case []any:
		var out []tmplmsg.Line
		for _, it := range d {
			o, ok := it.(map[string]any)
			if !ok {
				continue
			}
			l := tmplmsg.Line{}
			l.Label, _ = o["label"].(string)
			l.Value, _ = o["value"].(string)
			l.Color, _ = o["color"].(string)
			if !validColor(l.Color) {
				l.Color = ""
			}
			out = append(out, l)
		}
		return out
	}
	return nil
}

func validColor(c string) bool {
	if c == "" || c[0] != '#' || (len(c) != 4 && len(c) != 7) {
		return false
	}
	for _, r := range c[1:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

// ---- Console ---------------------------------------------------------------

type tplConsoleData struct {
	Eligible   bool // a verified Service account
	Industry   *tmplmsg.AccountIndustry
	CanChange  bool
	Industries []tmplmsg.Industry
	Templates  []*tmplmsg.AccountTemplate
	Library    []*tmplmsg.LibraryTemplate // of the account's industries
	Max        int
	Sends      []*tmplmsg.Send
	Older      int64
}

const sendsPage = 50

func (u *UI) tplConsole(w http.ResponseWriter, r *http.Request) error {
	c, err := u.consoleAccount(r, account.ActDeveloper)
	if err != nil {
		return err
	}
	p := u.newPage(w, r, "Templates", nil)
	p.Console = c
	return u.tplRender(w, r, p, c, http.StatusOK)
}

func (u *UI) tplRender(w http.ResponseWriter, r *http.Request, p *page, c *consoleCtx, status int) error {
	ctx := r.Context()
	a := c.Account
	d := &tplConsoleData{Eligible: a.IsService() && a.Verified(u.Clock.Now()), Industries: tmplmsg.Industries, Max: tmplmsg.MaxTemplates}
	var err error
	if d.Industry, err = u.Templates.Industry(ctx, a.ID); err != nil {
		return err
	}
	d.CanChange = d.Industry == nil || !u.Clock.Now().Before(d.Industry.NextChange())
	if d.Templates, err = u.Templates.Templates(ctx, a.ID); err != nil {
		return err
	}
	if d.Industry != nil {
		lib, err := u.Templates.Library(ctx, false)
		if err != nil {
			return err
		}
		for _, t := range lib {
			if d.Industry.Has(t.Industry) {
				d.Library = append(d.Library, t)
			}
		}
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	if d.Sends, err = u.Templates.Sends(ctx, a.ID, before, sendsPage+1); err != nil {
		return err
	}
	if len(d.Sends) > sendsPage {
		d.Sends = d.Sends[:sendsPage]
		d.Older = d.Sends[sendsPage-1].ID
	}
	if p.Form == nil && d.Industry != nil {
		p.Form = map[string][]string{"industry1": {strconv.Itoa(d.Industry.Primary.Code)}, "industry2": {strconv.Itoa(d.Industry.Secondary.Code)}}
	}
	p.Data = d
	return u.render(w, r, status, "mp/templates", p)
}

func (u *UI) tplFail(w http.ResponseWriter, r *http.Request, c *consoleCtx, err error) error {
	var e *errs.Error
	if !asErr(err, &e) || e.Kind == errs.KindInternal {
		return err
	}
	p := u.newPage(w, r, "Templates", nil)
	p.Console = c
	p.Form = r.PostForm
	if e.Field != "" {
		p.Fields[e.Field] = e.Message
	} else {
		p.Error = e.Message
	}
	return u.tplRender(w, r, p, c, web.Status(err))
}

// tplEligible refuses changes for accounts that cannot use templates.
func (u *UI) tplEligible(c *consoleCtx) error {
	if !c.Account.IsService() || !c.Account.Verified(u.Clock.Now()) {
		return errs.Forbiddenf("Template messages are for verified Service accounts.")
	}
	return nil
}

func (u *UI) tplSetIndustry(w http.ResponseWriter, r *http.Request) error {
	c, err := u.consoleAccount(r, account.ActDeveloper)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	if err := u.tplEligible(c); err != nil {
		return u.tplFail(w, r, c, err)
	}
	i1, _ := strconv.Atoi(r.PostForm.Get("industry1"))
	i2, _ := strconv.Atoi(r.PostForm.Get("industry2"))
	n, err := u.Templates.SetIndustry(r.Context(), c.Account.ID, i1, i2)
	if err != nil {
		return u.tplFail(w, r, c, err)
	}
	msg := "The industry is saved."
	if n > 0 {
		msg = fmt.Sprintf("The industry is saved; %d template(s) of the old industry were deleted.", n)
	}
	return u.redirect(w, r, fmt.Sprintf("/mp/a/%d/templates", c.Account.ID), msg)
}

func (u *UI) tplAdd(w http.ResponseWriter, r *http.Request) error {
	c, err := u.consoleAccount(r, account.ActDeveloper)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	if err := u.tplEligible(c); err != nil {
		return u.tplFail(w, r, c, err)
	}
	t, err := u.Templates.AddTemplate(r.Context(), c.Account.ID, r.PostForm.Get("short_id"), nil)
	if err != nil {
		return u.tplFail(w, r, c, err)
	}
	return u.redirect(w, r, fmt.Sprintf("/mp/a/%d/templates", c.Account.ID), fmt.Sprintf("%s was added; its template_id is %s.", t.Title, t.TemplateID))
}

func (u *UI) tplDelete(w http.ResponseWriter, r *http.Request) error {
	c, err := u.consoleAccount(r, account.ActDeveloper)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	if err := u.Templates.DeleteTemplate(r.Context(), c.Account.ID, r.PostForm.Get("template_id")); err != nil {
		return u.tplFail(w, r, c, err)
	}
	return u.redirect(w, r, fmt.Sprintf("/mp/a/%d/templates", c.Account.ID), "The template was deleted.")
}

// ---- Admin: the library ------------------------------------------------------

type libraryData struct {
	Templates  []*tmplmsg.LibraryTemplate
	Industries []tmplmsg.Industry
	Editing    *tmplmsg.LibraryTemplate // nil: the add form
	CanEdit    bool
}

func (u *UI) libraryRender(w http.ResponseWriter, r *http.Request, p *page, editing *tmplmsg.LibraryTemplate, status int) error {
	list, err := u.Templates.Library(r.Context(), true)
	if err != nil {
		return err
	}
	p.Data = &libraryData{Templates: list, Industries: tmplmsg.Industries, Editing: editing, CanEdit: web.Person(r).IsAdmin()}
	if p.Form == nil && editing != nil {
		p.Form = map[string][]string{"short_id": {editing.ShortID}, "title": {editing.Title}, "industry": {strconv.Itoa(editing.Industry)},
			"content": {editing.Content}, "example": {editing.Example}}
	}
	return u.render(w, r, status, "admin/templates", p)
}

func (u *UI) libraryPage(w http.ResponseWriter, r *http.Request) error {
	return u.libraryRender(w, r, u.newPage(w, r, "Template library", nil), nil, http.StatusOK)
}

func (u *UI) libraryEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := u.Templates.LibraryTemplate(r.Context(), id)
	if err != nil {
		return err
	}
	return u.libraryRender(w, r, u.newPage(w, r, "Edit "+t.ShortID, nil), t, http.StatusOK)
}

func (u *UI) librarySave(w http.ResponseWriter, r *http.Request) error {
	me := web.Person(r)
	if !me.IsAdmin() {
		return errs.Forbiddenf("Only platform administrators can change the template library.")
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	industry, _ := strconv.Atoi(f.Get("industry"))
	t := &tmplmsg.LibraryTemplate{ShortID: f.Get("short_id"), Title: f.Get("title"), Industry: industry, Content: f.Get("content"), Example: f.Get("example")}
	var editing *tmplmsg.LibraryTemplate
	action := "template.add"
	if r.PathValue("id") != "" {
		id, err := pathID(r, "id")
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
		if !asErr(err, &e) || e.Kind == errs.KindInternal {
			return err
		}
		p := u.newPage(w, r, "Template library", nil)
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
	return u.redirect(w, r, "/admin/templates", fmt.Sprintf("%s %s is saved.", t.ShortID, t.Title))
}

func (u *UI) libraryRetire(w http.ResponseWriter, r *http.Request) error {
	me := web.Person(r)
	if !me.IsAdmin() {
		return errs.Forbiddenf("Only platform administrators can change the template library.")
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
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
	return u.redirect(w, r, "/admin/templates", t.ShortID+msg)
}

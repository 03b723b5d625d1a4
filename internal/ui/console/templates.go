package console

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/tmplmsg"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// Template messages: the platform's library at /admin/templates
// and an account's industry, private templates and sent log at
// /mp/a/{account}/templates.
func (u *UI) registerTemplates(h core.Route) {
	if u.Templates == nil {
		return
	}
	h("GET /mp/a/{account}/templates", u.tplConsole)
	h("POST /mp/a/{account}/templates/industry", u.tplSetIndustry)
	h("POST /mp/a/{account}/templates/add", u.tplAdd)
	h("POST /mp/a/{account}/templates/delete", u.tplDelete)
	u.AddNav(core.NavItem{Label: "Templates", Path: "templates", Action: account.ActDeveloper, Order: 62})
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
	c, err := u.ConsoleAccount(r, account.ActDeveloper)
	if err != nil {
		return err
	}
	p := u.NewPage(w, r, "Templates", nil)
	p.Console = c
	return u.tplRender(w, r, p, c, http.StatusOK)
}

func (u *UI) tplRender(w http.ResponseWriter, r *http.Request, p *core.Page, c *core.ConsoleCtx, status int) error {
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
	return u.Render(w, r, status, "mp/templates", p)
}

func (u *UI) tplFail(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx, err error) error {
	var e *errs.Error
	if !core.AsErr(err, &e) || e.Kind == errs.KindInternal {
		return err
	}
	p := u.NewPage(w, r, "Templates", nil)
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
func (u *UI) tplEligible(c *core.ConsoleCtx) error {
	if !c.Account.IsService() || !c.Account.Verified(u.Clock.Now()) {
		return errs.Forbiddenf("Template messages are for verified Service accounts.")
	}
	return nil
}

func (u *UI) tplSetIndustry(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActDeveloper)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
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
	return u.Redirect(w, r, fmt.Sprintf("/mp/a/%d/templates", c.Account.ID), msg)
}

func (u *UI) tplAdd(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActDeveloper)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	if err := u.tplEligible(c); err != nil {
		return u.tplFail(w, r, c, err)
	}
	t, err := u.Templates.AddTemplate(r.Context(), c.Account.ID, r.PostForm.Get("short_id"), nil)
	if err != nil {
		return u.tplFail(w, r, c, err)
	}
	return u.Redirect(w, r, fmt.Sprintf("/mp/a/%d/templates", c.Account.ID), fmt.Sprintf("%s was added; its template_id is %s.", t.Title, t.TemplateID))
}

func (u *UI) tplDelete(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActDeveloper)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	if err := u.Templates.DeleteTemplate(r.Context(), c.Account.ID, r.PostForm.Get("template_id")); err != nil {
		return u.tplFail(w, r, c, err)
	}
	return u.Redirect(w, r, fmt.Sprintf("/mp/a/%d/templates", c.Account.ID), "The template was deleted.")
}

// ---- Admin: the library ------------------------------------------------------

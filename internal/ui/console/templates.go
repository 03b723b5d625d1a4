package console

import (
	"net/http"
	"strconv"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/tmplmsg"
	"github.com/heraldoa/herald/internal/ui/core"
)

// Template messages: the platform's library at /admin/templates
// and an account's industry, private templates and sent log at
// /mp/a/{account}/templates.
func (u *UI) registerTemplates(h core.Route) {
	if u.Templates == nil {
		return
	}
	dev := u.Member(account.ActDeveloper)
	view := core.View{Title: "Templates", Template: "mp/templates", Load: u.loadTemplates}
	h("GET /mp/a/{account}/templates", u.Get(dev, view))
	h("POST /mp/a/{account}/templates/industry", core.Post(u.UI, dev, core.Form[core.None]{View: view, Do: u.tplSetIndustry}))
	h("POST /mp/a/{account}/templates/add", core.Post(u.UI, dev, core.Form[core.None]{View: view, Do: u.tplAdd}))
	h("POST /mp/a/{account}/templates/delete", core.Post(u.UI, dev, core.Form[core.None]{View: view, Do: u.tplDelete}))
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

func (u *UI) loadTemplates(r *http.Request, p *core.Page) error {
	ctx := r.Context()
	a := p.Console.Account
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
	return nil
}

// tplEligible refuses changes for accounts that cannot use templates.
func (u *UI) tplEligible(c *core.ConsoleCtx) error {
	if !c.Account.IsService() || !c.Account.Verified(u.Clock.Now()) {
		return errs.Forbiddenf("Template messages are for verified Service accounts.")
	}
	return nil
}

func (u *UI) tplSetIndustry(r *http.Request, c *core.ConsoleCtx, _ core.None) (core.Done, error) {
	if err := u.tplEligible(c); err != nil {
		return core.Done{}, err
	}
	i1, _ := strconv.Atoi(r.PostForm.Get("industry1"))
	i2, _ := strconv.Atoi(r.PostForm.Get("industry2"))
	n, err := u.Templates.SetIndustry(r.Context(), c.Account.ID, i1, i2)
	if err != nil {
		return core.Done{}, err
	}
	msg := u.T(r, "The industry is saved.")
	if n > 0 {
		msg = u.T(r, "The industry is saved; %d templates of the old industry were deleted.", n)
	}
	return core.Done{To: "templates", Flash: msg}, nil
}

func (u *UI) tplAdd(r *http.Request, c *core.ConsoleCtx, _ core.None) (core.Done, error) {
	if err := u.tplEligible(c); err != nil {
		return core.Done{}, err
	}
	t, err := u.Templates.AddTemplate(r.Context(), c.Account.ID, r.PostForm.Get("short_id"), nil)
	if err != nil {
		return core.Done{}, err
	}
	return core.Done{To: "templates", Flash: u.T(r, "%s was added; its template_id is %s.", t.Title, t.TemplateID)}, nil
}

func (u *UI) tplDelete(r *http.Request, c *core.ConsoleCtx, _ core.None) (core.Done, error) {
	if err := u.Templates.DeleteTemplate(r.Context(), c.Account.ID, r.PostForm.Get("template_id")); err != nil {
		return core.Done{}, err
	}
	return core.Done{To: "templates", Flash: "The template was deleted."}, nil
}

package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/oauth"
	"github.com/heraldoa/herald/internal/ui/core"
)

type oauthDomainsData struct {
	Max int
}

// loadOAuthDomains fills the web sign-in domains page, the form with the
// saved domains when it is first shown.
func (u *UI) loadOAuthDomains(r *http.Request, p *core.Page) error {
	p.Data = &oauthDomainsData{Max: oauth.MaxDomains}
	if p.Form != nil {
		return nil
	}
	hosts, err := u.Developer.OAuth.Domains(r.Context(), p.Console.Account.ID)
	if err != nil {
		return err
	}
	p.Form = url.Values{"oauth_domains": {strings.Join(hosts, "\n")}}
	return nil
}

func (u *UI) oauthDomainsSave(r *http.Request, c *core.ConsoleCtx, _ core.None) (core.Done, error) {
	hosts := strings.FieldsFunc(r.PostForm.Get("oauth_domains"), func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ' ' })
	if err := u.Developer.OAuth.SetDomains(r.Context(), c.Account.ID, hosts); err != nil {
		return core.Done{}, err
	}
	return core.Done{To: "dev/oauth", Flash: "Web sign-in domains saved."}, nil
}

// registerOAuthDomains adds the web sign-in domains page.
func (u *UI) registerOAuthDomains(h core.Route) {
	if u.Developer.OAuth == nil {
		return
	}
	dev := u.Member(account.ActDeveloper)
	view := core.View{Title: "Web sign-in", Template: "mp/dev_oauth", Load: u.loadOAuthDomains}
	h("GET /mp/a/{account}/dev/oauth", u.Get(dev, view))
	h("POST /mp/a/{account}/dev/oauth", core.Post(u.UI, dev, core.Form[core.None]{View: view, Do: u.oauthDomainsSave}))
	u.AddNav(core.NavItem{Label: "Web sign-in", Path: "dev/oauth", Action: account.ActDeveloper, Order: 61})
}

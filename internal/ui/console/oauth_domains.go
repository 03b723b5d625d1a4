package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/wxapi"
)

type oauthDomainsData struct {
	Max int
}

func (u *UI) oauthDomainsPage(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActDeveloper)
	if err != nil {
		return err
	}
	hosts, err := u.Developer.API.OAuthDomains(r.Context(), c.Account.ID)
	if err != nil {
		return err
	}
	p := u.NewPage(w, r, "Web sign-in", &oauthDomainsData{Max: wxapi.MaxOAuthDomains})
	p.Console = c
	p.Form = url.Values{"oauth_domains": {strings.Join(hosts, "\n")}}
	return u.Render(w, r, http.StatusOK, "mp/dev_oauth", p)
}

func (u *UI) oauthDomainsSave(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActDeveloper)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	p := u.NewPage(w, r, "Web sign-in", &oauthDomainsData{Max: wxapi.MaxOAuthDomains})
	p.Console = c
	hosts := strings.FieldsFunc(r.PostForm.Get("oauth_domains"), func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ' ' })
	if err := u.Developer.API.SetOAuthDomains(r.Context(), c.Account.ID, hosts); err != nil {
		return u.FormError(w, r, "mp/dev_oauth", p, err)
	}
	return u.Redirect(w, r, fmt.Sprintf("/mp/a/%d/dev/oauth", c.Account.ID), "Web sign-in domains saved.")
}

// registerOAuthDomains adds the web sign-in domains page.
func (u *UI) registerOAuthDomains(h core.Route) {
	if u.Developer.API == nil {
		return
	}
	h("GET /mp/a/{account}/dev/oauth", u.oauthDomainsPage)
	h("POST /mp/a/{account}/dev/oauth", u.oauthDomainsSave)
	u.AddNav(core.NavItem{Label: "Web sign-in", Path: "dev/oauth", Action: account.ActDeveloper, Order: 61})
}

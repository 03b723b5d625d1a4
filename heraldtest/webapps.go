package heraldtest

import (
	"context"

	"github.com/heraldoa/herald/internal/webapp"
)

// SetWebDomains sets the account's web sign-in domains (hosts OAuth
// redirect_uri and linked web apps may use).
func (h *Herald) SetWebDomains(a *Account, hosts ...string) error {
	return h.s.App.API.SetOAuthDomains(context.Background(), a.ID, hosts)
}

// LinkWebApp links a web app ("mini-program") at url, which must be on one
// of the account's web sign-in domains, and returns its appid.
func (h *Herald) LinkWebApp(a *Account, name, url string) (string, error) {
	acc, err := h.s.App.Accounts.ByID(context.Background(), a.ID)
	if err != nil {
		return "", err
	}
	app, err := h.s.App.WebApps.Link(context.Background(), acc, webapp.Input{Name: name, URL: url})
	if err != nil {
		return "", err
	}
	return app.AppID, nil
}

package console

import (
	"fmt"
	"net/http"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/feed"
	"github.com/heraldoa/herald/internal/ui/core"
)

// The account's feeds and public profile: their addresses, whether entries
// carry the full article or an excerpt, and whether search engines may
// index them. See docs/publishing.md (Feeds and the public profile).

type feedsData struct {
	Settings feed.Settings
	Profile  string // absolute addresses
	RSS      string
	Atom     string
	Status   string
}

// registerFeeds adds the feeds page.
func (u *UI) registerFeeds(h core.Route) {
	if u.Feeds == nil {
		return
	}
	h("GET /mp/a/{account}/feeds", u.feedsPage)
	h("POST /mp/a/{account}/feeds", u.feedsSave)
	u.AddNav(core.NavItem{Label: "Feeds", Path: "feeds", Action: account.ActProfile, Order: 23})
}

func (u *UI) feedsPage(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActProfile)
	if err != nil {
		return err
	}
	st, err := u.Feeds.Settings(r.Context(), c.Account.ID)
	if err != nil {
		return err
	}
	id := c.Account.ID
	p := u.NewPage(w, r, "Feeds and public profile", &feedsData{Settings: st, Status: c.Account.Status,
		Profile: u.BaseURL + feed.ProfilePath(id), RSS: u.BaseURL + feed.RSSPath(id), Atom: u.BaseURL + feed.AtomPath(id)})
	p.Console = c
	return u.Render(w, r, http.StatusOK, "mp/feeds", p)
}

func (u *UI) feedsSave(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActProfile)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	st := feed.Settings{FullText: r.PostForm.Get("content") == "full", NoIndex: r.PostForm.Get("noindex") == "1"}
	if err := u.Feeds.SetSettings(r.Context(), c.Account.ID, st); err != nil {
		return err
	}
	return u.Redirect(w, r, fmt.Sprintf("/mp/a/%d/feeds", c.Account.ID), "Feed settings saved.")
}

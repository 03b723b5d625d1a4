package console

import (
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
	view := core.View{Title: "Feeds and public profile", Template: "mp/feeds", Load: u.loadFeeds}
	h("GET /mp/a/{account}/feeds", u.Get(u.Member(account.ActProfile), view))
	h("POST /mp/a/{account}/feeds", core.Post(u.UI, u.Member(account.ActProfile), core.Form[feed.Settings]{View: view,
		Parse: func(r *http.Request, _ *core.ConsoleCtx) (feed.Settings, error) {
			return feed.Settings{FullText: r.PostForm.Get("content") == "full", NoIndex: r.PostForm.Get("noindex") == "1"}, nil
		},
		Do: func(r *http.Request, c *core.ConsoleCtx, st feed.Settings) (core.Done, error) {
			return core.Done{To: "feeds", Flash: "Feed settings saved."}, u.Feeds.SetSettings(r.Context(), c.Account.ID, st)
		}}))
	u.AddNav(core.NavItem{Label: "Feeds", Path: "feeds", Action: account.ActProfile, Order: 23})
}

func (u *UI) loadFeeds(r *http.Request, p *core.Page) error {
	id := p.Console.Account.ID
	st, err := u.Feeds.Settings(r.Context(), id)
	if err != nil {
		return err
	}
	p.Data = &feedsData{Settings: st, Status: p.Console.Account.Status,
		Profile: u.BaseURL + feed.ProfilePath(id), RSS: u.BaseURL + feed.RSSPath(id), Atom: u.BaseURL + feed.AtomPath(id)}
	return nil
}

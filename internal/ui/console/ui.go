// Package console is the account console at /mp/: applying for an account,
// and for each account its home, publishing, media library, comments,
// auto-replies, menu, inbox, followers, team, analytics, developer settings,
// web sign-in domains, templates, web apps, payments and compliance.
package console

import "github.com/heraldoa/herald/internal/ui/core"

// UI holds the console's handlers.
type UI struct{ *core.UI }

// New returns the console over the shared core.
func New(c *core.UI) *UI { return &UI{UI: c} }

// Register adds the console's routes and its navigation, in the order the
// navigation lists them.
func (u *UI) Register(h core.Route) {
	h("GET /mp/{$}", u.SignedIn(u.mpHome))
	u.registerAccounts(h)
	u.registerMessaging(h)
	u.registerMenuVersions(h)
	u.registerAutoReplyVersions(h)
	u.registerPublishing(h)
	u.registerFeeds(h)
	u.registerCalendar(h)
	u.registerABTests(h)
	u.registerAnalytics(h)
	u.registerDeveloper(h)
	u.registerPay(h)
	u.registerTemplates(h)
	u.registerWebApps(h)
	u.registerPortability(h)
	u.registerSettings(h)
}

// Package admin is the platform admin at /admin/: reviews of applications,
// reports, penalties, appeals, the audit log, platform settings, the
// template library, wallets and platform analytics.
package admin

import "github.com/heraldoa/herald/internal/ui/core"

// UI holds the platform admin's handlers.
type UI struct{ *core.UI }

// New returns the platform admin over the shared core.
func New(c *core.UI) *UI { return &UI{UI: c} }

// Register adds the platform admin's routes.
func (u *UI) Register(h core.Route) {
	h("GET /admin/{$}", u.Staff(u.adminHome))
	u.registerAccountsAdmin(h)
	u.registerAnalytics(h)
	u.registerWallets(h)
	u.registerTemplateLibrary(h)
	u.registerSubscribeLibrary(h)
}

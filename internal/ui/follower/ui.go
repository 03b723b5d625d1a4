// Package follower is the follower app at /: discovering and following
// accounts, the chat with an account, the Subscriptions folder, reading
// articles, the shop and pay sheet, web sign-in consent, linked web apps and
// the pages a scanned QR code opens.
package follower

import (
	"github.com/heraldoa/herald/internal/ui/core"
	"sync"
)

// UI holds the follower app's handlers.
type UI struct {
	*core.UI
	live liveStreams // open /events streams
	// chatSQL makes, on first use, the conversation page's statement of
	// the account and the follow with what it reads beside them
	// (chatAccountTexts).
	chatSQL   sync.Once
	chatTexts chatAccountTexts
}

// New returns the follower app over the shared core.
func New(c *core.UI) *UI {
	return &UI{UI: c}
}

// Register adds the follower app's routes.
func (u *UI) Register(h core.Route) {
	u.registerShells()
	h("GET /{$}", core.ShortReads(u.appHome))
	u.registerReport(h)
	u.registerFollower(h)
	u.registerReading(h)
	u.registerPublicProfile(h)
	u.registerAnalytics(h)
	u.registerQRScan(h)
	u.registerOAuth(h)
	u.registerPayApp(h)
	u.registerWebAppOpen(h)
	u.registerSubscribeSheets(h)
	u.registerNotifications(h)
}

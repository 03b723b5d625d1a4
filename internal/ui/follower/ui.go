// Package follower is the follower app at /: discovering and following
// accounts, the chat with an account, the Subscriptions folder, reading
// articles, the shop and pay sheet, web sign-in consent, linked web apps and
// the pages a scanned QR code opens.
package follower

import (
	"time"

	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// UI holds the follower app's handlers.
type UI struct {
	*core.UI
	live     liveStreams  // open /events streams
	payTries *web.Limiter // wrong passwords on the pay sheet, per person: 5, then one every 20 s
}

// New returns the follower app over the shared core.
func New(c *core.UI) *UI {
	return &UI{UI: c, payTries: web.NewLimiter(20*time.Second, 5)}
}

// Register adds the follower app's routes.
func (u *UI) Register(h core.Route) {
	h("GET /{$}", u.appHome)
	u.registerReport(h)
	u.registerFollower(h)
	u.registerReading(h)
	u.registerAnalytics(h)
	u.registerQRScan(h)
	u.registerOAuth(h)
	u.registerPayApp(h)
	u.registerWebAppOpen(h)
	u.registerSubscribeSheets(h)
}

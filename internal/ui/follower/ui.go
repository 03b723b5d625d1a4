// Package follower is the follower app at /: discovering and following
// accounts, the chat with an account, the Subscriptions folder, reading
// articles, the shop and pay sheet, web sign-in consent, linked web apps and
// the pages a scanned QR code opens.
package follower

import (
	"net/http"
	"strings"
	"sync"

	"github.com/heraldoa/herald/internal/ui/core"
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

// ReadsOwnSession tells the requests whose page reads the signed-in
// person's session in its own first statement (web.Sessions.Deferred):
// GET (and HEAD) of the chat list, the Subscriptions folder, a
// conversation and an article's reading page, each registered with
// core.OwnSession or core.SignedInOwnSession. A path that only looks like theirs (another
// page's) has its session read when the page asks for the person.
func ReadsOwnSession(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	switch p := r.URL.Path; {
	case p == "/", p == "/subscriptions":
		return true
	case strings.HasPrefix(p, "/chat/"):
		return !strings.Contains(p[len("/chat/"):], "/")
	case strings.HasPrefix(p, "/s/"):
		return !strings.Contains(p[len("/s/"):], "/")
	}
	return false
}

// Register adds the follower app's routes.
func (u *UI) Register(h core.Route) {
	u.registerShells()
	h("GET /{$}", core.ShortReads(core.OwnSession(u.appHome)))
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

// Package ui serves Herald's three web faces from one handler: the follower
// app at / (internal/ui/follower), the account console at /mp/
// (internal/ui/console) and the platform admin at /admin/
// (internal/ui/admin), over what they share (internal/ui/core). Sign-in and
// the person's own profile, common to the three, live here. Pages are
// rendered on the server from the embedded templates; the small amount of
// JavaScript is hand-written and embedded too.
package ui

import (
	"bytes"
	"embed"
	"net/http"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/errs"

	"github.com/heraldoa/herald/internal/ui/admin"
	"github.com/heraldoa/herald/internal/ui/console"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/ui/follower"
)

//go:embed templates static
var assets embed.FS

// The types the application wires the faces with.
type (
	Deps              = core.Deps
	Developer         = core.Developer
	MenuButton        = core.MenuButton
	MenuSource        = core.MenuSource
	FolderItem        = core.FolderItem
	PublicationSource = core.PublicationSource
	Limits            = core.Limits
)

// NewLimits returns the UI's limits shared by every node.
var NewLimits = core.NewLimits

// ReadSurface tells where an article was opened from.
var ReadSurface = follower.ReadSurface

// UI holds the three faces and the sign-in pages.
type UI struct {
	*core.UI
	follower *follower.UI
	console  *console.UI
	admin    *admin.UI
}

// New parses templates and static files and builds the three faces.
func New(d Deps) (*UI, error) {
	c, err := core.New(d, assets)
	if err != nil {
		return nil, err
	}
	return &UI{UI: c,
		follower: follower.New(c),
		console:  console.New(c),
		admin:    admin.New(c),
	}, nil
}

// Register adds every UI route to mux.
func (u *UI) Register(mux *http.ServeMux) {
	mux.Handle("GET /static/", u.Static())
	mux.HandleFunc("GET /favicon.ico", serveFavicon)
	h := u.Handle(mux)
	// A path no page answers is "Not found", drawn in its face's shell.
	h("/", func(http.ResponseWriter, *http.Request) error { return errs.NotFoundf("Not found.") })

	// Sign-in and the person's profile, shared by the three faces.
	h("GET /login", u.loginForm)
	h("POST /login", u.login)
	h("GET /signup", u.signupForm)
	h("POST /signup", u.signup)
	h("POST /logout", u.logout)
	h("POST /lang", u.setLanguage)
	h("GET /me", u.SignedIn(u.meForm))
	h("POST /me", u.SignedIn(u.meSave))
	h("POST /me/password", u.SignedIn(u.mePassword))

	u.registerPWA(mux, h) // manifest, icons, service worker, offline page
	u.follower.Register(h)
	u.console.Register(h)
	u.admin.Register(h)
}

// favicon is Herald's icon, for browsers that ask for /favicon.ico.
var favicon = func() []byte {
	b, err := assets.ReadFile("static/favicon.ico")
	if err != nil {
		panic(err)
	}
	return b
}()

func serveFavicon(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "image/x-icon")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.ServeContent(w, r, "favicon.ico", time.Time{}, bytes.NewReader(favicon))
}

// ReadsOwnSession tells, for web.Sessions.Deferred, the requests whose page
// reads the session in its own first statement, and those that need none:
// static files, the favicon, the app's icons, manifest and service worker
// read no session at all (so they load during a database outage too, for
// the page that says so), and a cookie no longer valid is cleared by the
// next page instead.
func ReadsOwnSession(r *http.Request) bool {
	if follower.ReadsOwnSession(r) {
		return true
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, "/static/"), strings.HasPrefix(p, "/icons/"):
		return true
	case p == "/favicon.ico", p == "/manifest.webmanifest", p == "/sw.js":
		return true
	}
	return false
}

// CloseStreams ends the follower app's open live streams (server shutdown).
func (u *UI) CloseStreams() { u.follower.CloseStreams() }

// Package core is what Herald's three web faces share: the page every
// template receives, rendering, the one place errors become pages, flash
// messages and redirects, sign-in checks, the console's account context and
// navigation, and the types the faces exchange. The faces themselves live in
// internal/ui/follower, internal/ui/console and internal/ui/admin.
package core

import (
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/audience"
	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/feed"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/inbox"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/pay"
	"github.com/heraldoa/herald/internal/pay/wxpay"
	"github.com/heraldoa/herald/internal/portability"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/publish/folder"
	"github.com/heraldoa/herald/internal/realtime"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/settings"
	"github.com/heraldoa/herald/internal/subscribemsg"
	"github.com/heraldoa/herald/internal/tmplmsg"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/web"
	"github.com/heraldoa/herald/internal/webapp"
)

// Deps are what the UI needs from the rest of the application.
type Deps struct {
	Log      *slog.Logger
	Clock    clock.Clock
	Users    *user.Store
	Sessions *web.Sessions
	Accounts *account.Store
	Follows  *follow.Store
	Settings *settings.Store
	Media    media.Store
	BaseURL  string
	Bus      realtime.Bus
	Messages *message.Store
	Chat     *message.Service
	// Follower app: nil until wired, then the menu bar and the
	// Subscriptions folder appear.
	Menus        MenuSource
	Publications PublicationSource
	// Messaging and automation: the console's auto-replies,
	// menu editor, inbox, followers and team pages. When Menus is nil,
	// registerMessaging sets it from MenuStore.
	MenuStore   *menu.Store
	AutoReplies *autoreply.Store
	Audience    *audience.Store
	Inbox       *inbox.Store
	// Publishing: drafts, publications, mass sends, reading
	// pages, the media library. Publications defaults to Publish.
	Publish       *publish.Store
	Folder        *folder.Store // the Subscriptions folder
	PublishEngine *publish.Engine
	// Accounts lifecycle: applications, reviews, reports,
	// penalties, appeals and the audit log.
	Review *review.Store
	// Analytics: Analytics.Record captures an event without
	// blocking (a nil recorder records nothing); AnalyticsStore serves the
	// dashboards.
	Analytics      *analytics.Recorder
	AnalyticsStore *analytics.Store
	// Developer API: developer settings, push log, QR scans.
	Developer Developer
	// Commerce: Herald Pay — merchants, products, orders,
	// wallets. nil: no payments pages.
	Pay *pay.Store
	// PayAPI: the merchant API; its notification log shows on the payments page.
	PayAPI *wxpay.API
	// Template messages: the library at /admin/templates and
	// the account's templates at /mp/a/{id}/templates. nil: no pages.
	Templates *tmplmsg.Service
	// WebApps: linked web apps ("mini-programs"). nil: no web apps pages.
	WebApps *webapp.Store
	// Subscriptions: subscription notifications; the follower's consent
	// sheets. nil: no sheets.
	Subscriptions *subscribemsg.Service
	// Limits: sign-up and chat-send rate limits shared by every node.
	Limits Limits
	// Exports: account exports as queue jobs; with it the owner's data page
	// (export, import, follower CSV) appears. nil: no page.
	Exports *portability.Exports
	// Moves: a person's pending moves of imported follows, with opt-out.
	Moves *portability.Moves
	// Feeds: the accounts' RSS/Atom feeds and public profiles. nil: none.
	Feeds *feed.Store
}

// UI is what the three faces share: the dependencies, the parsed templates
// and static files, and the console's navigation.
type UI struct {
	Deps
	tpl    *web.Templates
	static *web.Static
	nav    []NavItem // console navigation, added by each feature
}

// New parses the templates and static files of assets (the folders
// "templates" and "static").
func New(d Deps, assets fs.FS) (*UI, error) {
	u := &UI{Deps: d}
	sub, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, err
	}
	if u.static, err = web.NewStatic(sub, ".", "/static"); err != nil {
		return nil, err
	}
	if u.tpl, err = web.ParseTemplates(assets, "templates", u.funcs()); err != nil {
		return nil, err
	}
	return u, nil
}

// Static serves the fingerprinted static files.
func (u *UI) Static() http.Handler { return u.static }

// Handle returns the function that registers a face's handlers on mux,
// each turning its error into a page with WriteError.
func (u *UI) Handle(mux *http.ServeMux) Route {
	return func(pattern string, fn web.HandlerFunc) { mux.Handle(pattern, web.Adapt(fn, u.WriteError)) }
}

// Route registers a handler for a pattern.
type Route func(pattern string, fn web.HandlerFunc)

func (u *UI) funcs() template.FuncMap {
	return template.FuncMap{
		"asset": func(name string) string { return u.static.URL(name) },
		"date":  func(t time.Time) string { return t.Format("2006-01-02") },
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.Format("2006-01-02 15:04 UTC")
		},
		"ago":     ago,
		"initial": initial,
		"field": func(p *Page, name string) string {
			if p == nil || p.Form == nil {
				return ""
			}
			return p.Form.Get(name)
		},
		"fielderr": func(p *Page, name string) string {
			if p == nil {
				return ""
			}
			return p.Fields[name]
		},
		"hasprefix": strings.HasPrefix,
		"regions":   func() []string { return user.Regions },
		"languages": func() []string { return user.Languages },
		// verifiedNow: whether an account shows the badge now.
		"verifiedNow": u.VerifiedNow,
		"fen":         pay.FormatFen, // commerce: fen → ¥1,234.56
		"label":       Label,         // a stored code as people read it
		"language":    LanguageLabel, // zh_CN → Chinese (Simplified)
	}
}

// Page is what every template receives.
type Page struct {
	Title  string
	Me     *user.Person
	Path   string
	Flash  string
	Error  string            // a message about the whole form
	Fields map[string]string // messages about single fields
	Form   url.Values        // the submitted values, to refill a form
	Data   any               // the page's own data
	// Console is set on console pages of one account (/mp/a/{id}/...).
	Console *ConsoleCtx
}

func (u *UI) NewPage(w http.ResponseWriter, r *http.Request, title string, data any) *Page {
	p := &Page{Title: title, Me: web.Person(r), Path: r.URL.Path, Data: data, Fields: map[string]string{}}
	if c, err := r.Cookie(flashCookie); err == nil {
		if v, err := url.QueryUnescape(c.Value); err == nil {
			p.Flash = v
		}
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	return p
}

func (u *UI) Render(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) error {
	return u.tpl.Render(w, status, name, p)
}

// FormError re-renders a form with the message of err placed on its field
// (or on the form), or returns err when it is not a user error.
func (u *UI) FormError(w http.ResponseWriter, r *http.Request, name string, p *Page, err error) error {
	e := UserError(err)
	if e == nil {
		return err
	}
	p.Form = r.PostForm
	if e.Field != "" {
		p.Fields[e.Field] = e.Message
	} else {
		p.Error = e.Message
	}
	return u.Render(w, r, web.Status(err), name, p)
}

const flashCookie = "herald_flash"

// Redirect sends the browser to target with an optional one-time message.
func (u *UI) Redirect(w http.ResponseWriter, r *http.Request, target, flash string) error {
	if flash != "" {
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(flash), Path: "/", MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// PathID reads a positive numeric path value ({draft}, {order}, ...); anything
// else is not found.
func PathID(r *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || v <= 0 {
		return 0, errs.NotFoundf("Not found.")
	}
	return v, nil
}

// ParseForm reads a url-encoded form of at most 1 MiB.
func ParseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errs.Invalidf("The form is too large.")
		}
		return errs.Invalidf("The form could not be read.")
	}
	return nil
}

// SignedIn requires a signed-in person, sending others to the sign-in page.
func (u *UI) SignedIn(fn web.HandlerFunc) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if web.Person(r) == nil {
			return errs.Unauthorized
		}
		return fn(w, r)
	}
}

// Staff requires a platform administrator or reviewer.
func (u *UI) Staff(fn web.HandlerFunc) web.HandlerFunc {
	return u.SignedIn(func(w http.ResponseWriter, r *http.Request) error {
		if !web.Person(r).IsStaff() {
			return errs.Forbiddenf("The platform admin is only for platform administrators and reviewers.")
		}
		return fn(w, r)
	})
}

// WriteError is the one place where UI errors become responses.
func (u *UI) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	web.LogError(u.Log, r, err)
	if errs.KindOf(err) == errs.KindUnauthorized && r.Method == http.MethodGet {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	status := web.Status(err)
	if strings.Contains(r.Header.Get("Accept"), "application/json") && !strings.Contains(r.Header.Get("Accept"), "text/html") {
		web.JSONError(w, err)
		return
	}
	title := http.StatusText(status)
	msg := errs.Message(err)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "30")
		title, msg = "Temporarily unavailable", web.UnavailableMessage
	}
	if status == http.StatusNotFound && errs.KindOf(err) == errs.KindNotFound {
		title, msg = "Not found", "There is nothing here. It may have been removed, or the link is wrong."
		if e := new(errs.Error); errors.As(err, &e) && e.Message != "" && e.Message != "Not found." {
			msg = e.Message
		}
	}
	p := u.NewPage(w, r, title, nil)
	p.Error = msg
	if rerr := u.Render(w, r, status, ErrorPage(r.URL.Path), p); rerr != nil {
		u.Log.Error("render error page", slog.Any("error", rerr))
		http.Error(w, msg, status)
	}
}

// ErrorPage is the error page of the face a path belongs to: the console's
// under /mp/, the admin's under /admin/, else the follower app's.
func ErrorPage(path string) string {
	switch {
	case path == "/mp/subscribemsg": // the follower's legacy consent sheet
		return "app/error"
	case path == "/mp" || strings.HasPrefix(path, "/mp/"):
		return "mp/error"
	case path == "/admin" || strings.HasPrefix(path, "/admin/"):
		return "admin/error"
	}
	return "app/error"
}

func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	case d < 7*24*time.Hour:
		return fmt.Sprintf("%d d ago", int(d.Hours()/24))
	default:
		return t.Format("2006-01-02")
	}
}

func initial(s string) string {
	for _, r := range strings.TrimSpace(s) {
		return strings.ToUpper(string(r))
	}
	return "?"
}

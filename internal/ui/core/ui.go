// Package core is what Herald's three web faces share: the page every
// template receives, rendering, the one place errors become pages, flash
// messages and redirects, sign-in checks, the console's account context and
// navigation, and the types the faces exchange. The faces themselves live in
// internal/ui/follower, internal/ui/console and internal/ui/admin.
package core

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/audience"
	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/feed"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/inbox"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/pay"
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
	"github.com/heraldoa/herald/internal/webpush"
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
	// PayKeys: the platform key that signs the merchant API's answers; its
	// certificate is offered on the payments pages. nil: no bills page and
	// no notification log.
	PayKeys *pay.PlatformKeys
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
	// MaxArchiveUpload bounds an archive uploaded on the data page, which
	// streams to a temporary file. 0: 8 GB.
	MaxArchiveUpload int64
	// WeChatImports: moves from WeChat, on the same page. nil: not offered.
	WeChatImports *portability.WeChatImports
	// Moves: a person's pending moves of imported follows, with opt-out.
	Moves *portability.Moves
	// Feeds: the accounts' RSS/Atom feeds and public profiles. nil: none.
	Feeds *feed.Store
	// WebPush: followers' notification settings and subscribed devices.
	// nil: no notifications page.
	WebPush *webpush.Service
}

// UI is what the three faces share: the dependencies, the parsed templates
// and static files, and the console's navigation.
type UI struct {
	Deps
	cat    *i18n.Catalog // the message catalogues of the faces
	tpl    *web.Templates
	static *web.Static
	nav    []NavItem // console navigation, added by each feature
	// shells are the pages whose layout is written in Go (AppPage), and
	// chromes that layout's fixed text in each language (i18n.Lang to
	// *appChrome), made when a page in that language is first written:
	// making them at start would read every language's catalogue, which
	// the catalogue otherwise reads only when first asked for (about 20 ms
	// and 2 MB of the emulator's start).
	shells  map[string]func(*Page) AppShell
	chromes sync.Map
}

// New parses the templates and static files of assets (the folders
// "templates" and "static").
func New(d Deps, assets fs.FS) (*UI, error) {
	u := &UI{Deps: d}
	var err error
	if u.cat, err = i18n.Builtin(); err != nil {
		return nil, err
	}
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
	u.tpl.Localise(func(lang string) template.FuncMap { return u.langFuncs(u.cat.Locale(i18n.Lang(lang))) })
	u.tpl.Constants(u.constFunc)
	return u, nil
}

// Static serves the fingerprinted static files.
func (u *UI) Static() http.Handler { return u.static }

// Asset is the fingerprinted URL of a static file.
func (u *UI) Asset(name string) string { return u.static.URL(name) }

// Handle returns the function that registers a face's handlers on mux,
// each turning its error into a page with WriteError.
func (u *UI) Handle(mux *http.ServeMux) Route {
	return func(pattern string, fn web.HandlerFunc) { mux.Handle(pattern, web.Adapt(fn, u.WriteError)) }
}

// Route registers a handler for a pattern.
type Route func(pattern string, fn web.HandlerFunc)

func (u *UI) funcs() template.FuncMap {
	m := template.FuncMap{
		"asset": func(name string) string { return u.static.URL(name) },
		"date":  func(t time.Time) string { return t.Format("2006-01-02") },
		// datetime: a moment as <time>, shown in the viewer's zone by
		// time.js (UTC until it runs).
		"datetime": func(t time.Time) template.HTML { return TimeTag(t, "datetime", "") },
		// when: a moment as <time> in a format of time.js ("msg",
		// "datetime", "date"), with an optional class.
		"when": func(t time.Time, format string, class ...string) template.HTML {
			return TimeTag(t, format, strings.Join(class, " "))
		},
		// rich: a message with quotes and moments (MessageForPage) as HTML.
		"rich":    Rich,
		"initial": Initial,
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
		"langs":       func() []i18n.Lang { return i18n.Langs },
	}
	for k, v := range u.langFuncs(u.cat.Locale(i18n.English)) {
		m[k] = v
	}
	return m
}

// langFuncs are the template functions that write in a language; each
// language's copy of a page has its own (see web.Templates.Localise).
func (u *UI) langFuncs(l *i18n.Locale) template.FuncMap {
	buttons := LangButtons(l.Lang)
	return template.FuncMap{
		// langbuttons: the language switcher's buttons (LangButtons).
		"langbuttons": func() template.HTML { return buttons },
		// t: a text of the catalogue in the page's language, formatted
		// with args as fmt.Sprintf does: {{t "Follow"}}, {{t "%d followers" .N}}.
		"t": l.T,
		// lang: the page's language as a BCP 47 tag (zh-CN, en, zh-TW).
		"lang": func() string { return string(l.Lang) },
		// locale: the page's language, for data that writes itself in a
		// language: {{.Summary.Label locale}}.
		"locale": func() *i18n.Locale { return l },
		// ago: how long ago, as a chat list shows it.
		"ago": func(t time.Time) string { return ago(l, t, u.now()) },
		// texts: the translations of keys as JSON, for a script that writes
		// them ({"Image": "图片"}), in a data-texts attribute.
		"texts": func(keys ...string) string { return Texts(l, keys) },
		// phrase: a domain's text kept as a format and values (a fault
		// of an imported file), in the page's language, its quotes and
		// moments as elements (Rich).
		"phrase": func(p errs.Phrase) template.HTML { return Rich(p.With(l.T, PageValues)) },
		// money: fen as the language writes an amount (¥1,234.56).
		"money": l.Money,
		// label: a stored code as people read it, in the page's language.
		"label": func(code string) string { return u.Known(l, Label(code)) },
		// language: a language code as people read it (zh_CN → 简体中文).
		"language": func(code string) string { return u.Known(l, LanguageLabel(code)) },
	}
}

// LangButtons is the language switcher's buttons on a page in lang: one
// per language, named in itself, lang's marked current. They depend on
// the page's language alone, so each language's are written once instead
// of by a range of some fifteen template actions on every page.
func LangButtons(lang i18n.Lang) template.HTML {
	var b strings.Builder
	for _, l := range i18n.Langs {
		v := template.HTMLEscapeString(string(l))
		b.WriteString(`<button type="submit" name="lang" value="` + v + `" lang="` + v + `" translate="no" class="linkish"`)
		if l == lang {
			b.WriteString(` aria-current="true"`)
		}
		b.WriteString(`>` + template.HTMLEscapeString(l.Name()) + `</button>`)
	}
	return template.HTML(b.String())
}

// Texts is the JSON of the "texts" template function: the translations of
// keys in l's language, for a script.
func Texts(l *i18n.Locale, keys []string) string {
	m := make(map[string]string, len(keys))
	for _, k := range keys {
		m[k] = l.Raw(k)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// constFunc gives the template functions whose value depends only on the
// page's language and their literal arguments, for web.Templates to
// write into each language's copy of a page once instead of calling them
// for every page; each is the same function as the template calls.
func (u *UI) constFunc(lang, name string, args []string) (string, bool) {
	l := u.cat.Locale(i18n.Lang(lang))
	switch name {
	case "t":
		if len(args) == 1 {
			return l.Text(args[0]), true
		}
	case "texts":
		return Texts(l, args), true
	case "lang":
		if len(args) == 0 {
			return string(l.Lang), true
		}
	case "asset":
		if len(args) == 1 {
			return u.static.Lookup(args[0])
		}
	}
	return "", false
}

func (u *UI) now() time.Time {
	if u.Clock != nil {
		return u.Clock.Now()
	}
	return time.Now()
}

// Known is s in l's language when the catalogue has s as a key, else s as
// it is: for texts that may be a catalogue key or may be content (a title
// that is a name, a flash message).
func (u *UI) Known(l *i18n.Locale, s string) string {
	if s == "" || strings.Contains(s, "%") || !u.cat.Has(l.Lang, s) {
		return s
	}
	return l.Text(s)
}

// LangCookie is the cookie that keeps the language chosen in the switcher.
const LangCookie = "herald_lang"

// Lang is the language of a request: the signed-in person's setting, the
// language chosen in the switcher, then the browser's Accept-Language.
func (u *UI) Lang(r *http.Request) i18n.Lang {
	setting := ""
	if me := web.Person(r); me != nil {
		setting = me.Language
	}
	cookie := ""
	if c, err := r.Cookie(LangCookie); err == nil {
		cookie = c.Value
	}
	return i18n.Negotiate(setting, cookie, r.Header.Get("Accept-Language"))
}

// Locale is the language and formats of a request.
func (u *UI) Locale(r *http.Request) *i18n.Locale { return u.cat.Locale(u.Lang(r)) }

// T is the catalogue's text of key in the request's language (flash
// messages and other texts written by handlers).
func (u *UI) T(r *http.Request, key string, args ...any) string { return u.Locale(r).T(key, args...) }

// Catalog is the faces' message catalogue.
func (u *UI) Catalog() *i18n.Catalog { return u.cat }

// Page is what every template receives.
type Page struct {
	// Lang and L are the page's language and its way of writing (messages,
	// numbers, money, dates).
	Lang   i18n.Lang
	L      *i18n.Locale
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
	// Problems are the field messages of a form shown again, in the order
	// found: the summary over the form links each to its field.
	Problems []Problem
}

// Problem is one field's message in a form's error summary.
type Problem struct {
	Field, Message string
}

// SetError puts the messages of user error e (all of them, when the
// domain found several) on their fields, in the summary, or over the form,
// and keeps the submitted values to refill the form.
func (p *Page) SetError(err error, form url.Values) {
	p.Form = form
	for _, e := range errs.All(err) {
		switch {
		case e.Kind == errs.KindInternal:
		case e.Field == "":
			if p.Error == "" {
				p.Error = p.message(e)
			}
		case p.Fields[e.Field] == "":
			msg := p.message(e)
			p.Fields[e.Field] = msg
			p.Problems = append(p.Problems, Problem{Field: e.Field, Message: msg})
		}
	}
}

// message is a user error's message in the page's language.
// Its quotes and moments are marked for Rich (the page's "flash" template).
func (p *Page) message(e *errs.Error) string { return MessageForPage(e, p.L) }

// MessageIn is a user error's message in l's language. A message changed
// after the error was made (a prefix added on the way up) is shown as it
// is, since its format no longer says all of it.
// A moment in it is written in UTC, saying so, and a quote in quotation
// marks (MessageForPage marks them for a page instead).
func MessageIn(err error, l *i18n.Locale) string { return messageWith(err, l, textValues(l)) }

func (u *UI) NewPage(w http.ResponseWriter, r *http.Request, title string, data any) *Page {
	l := u.Locale(r)
	p := &Page{Lang: l.Lang, L: l, Title: u.Known(l, title), Me: web.Person(r), Path: r.URL.Path, Data: data, Fields: map[string]string{}}
	if c, err := r.Cookie(flashCookie); err == nil {
		if v, err := url.QueryUnescape(c.Value); err == nil {
			p.Flash = v
		}
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	return p
}

func (u *UI) Render(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) error {
	if p.L == nil {
		p.L = u.Locale(r)
		p.Lang = p.L.Lang
	}
	p.Title = u.Known(p.L, p.Title) // a title set after NewPage
	if shell, ok := u.shells[name]; ok {
		return u.renderApp(w, status, name, p, shell)
	}
	return u.tpl.RenderIn(w, status, name, string(p.Lang), p)
}

// Partial is the template called name of page (its face's layout and the
// page's own templates) rendered on its own in p's language, for a part of
// a page that a handler keeps once written.
func (u *UI) Partial(page, name string, p *Page) (string, error) {
	var b strings.Builder
	if err := u.tpl.ExecuteIn(&b, page, name, string(p.Lang), p); err != nil {
		return "", err
	}
	return b.String(), nil
}

// FormError re-renders a form with the message of err placed on its field
// (or on the form), or returns err when it is not a user error.
func (u *UI) FormError(w http.ResponseWriter, r *http.Request, name string, p *Page, err error) error {
	if UserError(err) == nil {
		return err
	}
	p.SetError(err, r.PostForm)
	return u.Render(w, r, web.Status(err), name, p)
}

const flashCookie = "herald_flash"

// Redirect sends the browser to target with an optional one-time message.
func (u *UI) Redirect(w http.ResponseWriter, r *http.Request, target, flash string) error {
	if flash != "" {
		flash = u.Known(u.Locale(r), flash)
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

// InPath loads the account's item whose id is the path value name, with
// get (a store's method taking the account's id and the item's); an id
// that is not a positive number is "Not found.".
func InPath[T any](r *http.Request, accountID int64, name string, get func(ctx context.Context, accountID, id int64) (T, error)) (T, error) {
	id, err := PathID(r, name)
	if err != nil {
		var zero T
		return zero, err
	}
	return get(r.Context(), accountID, id)
}

// ParseForm reads a url-encoded form of at most 1 MiB.
func ParseForm(w http.ResponseWriter, r *http.Request) error {
	return ParseFormLimit(w, r, 1<<20, errs.Invalidf("The form is too large."))
}

// ParseFormLimit reads a url-encoded form of at most limit bytes, refusing
// a larger one with the error tooLarge.
func ParseFormLimit(w http.ResponseWriter, r *http.Request, limit int64, tooLarge error) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		if TooLarge(err) {
			return tooLarge
		}
		return errs.Invalidf("The form could not be read.")
	}
	return nil
}

// TooLarge reports whether err comes from reading a request body past the
// limit of its http.MaxBytesReader.
func TooLarge(err error) bool {
	var tooBig *http.MaxBytesError
	return errors.As(err, &tooBig)
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

// OwnSession is for a page that reads the person's session in its own
// first statement (web.Sessions.Deferred, web.PageSession): when fn
// returns an error before it read the session, the session is read on
// its own, as for any other page, so the error's page is drawn for the
// person signed in (or, the database being down, is the outage's).
func OwnSession(fn web.HandlerFunc) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		err := fn(w, r)
		if err != nil {
			if lerr := web.LoadSession(r); lerr != nil {
				return lerr
			}
		}
		return err
	}
}

// SignedInOwnSession is SignedIn for a page that reads the session in its
// own first statement (OwnSession): with no session it sends the person
// to the sign-in page at once; when fn returns an error and the session
// (read then, if fn had not) is not valid, the answer is the sign-in page
// too, as if SignedIn had read the session before fn.
func SignedInOwnSession(fn web.HandlerFunc) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if !web.HasSession(r) {
			return errs.Unauthorized
		}
		err := fn(w, r)
		if err != nil {
			if lerr := web.LoadSession(r); lerr != nil {
				return lerr
			}
			if web.Person(r) == nil {
				return errs.Unauthorized
			}
		}
		return err
	}
}

// ShortReads runs fn with the request's context marked by db.ShortReads:
// for pages whose statements are all short indexed reads (the follower's
// chat list, conversation, reading page and Subscriptions folder), each
// statement runs without database/sql's and the driver's per-statement
// watcher goroutines, and an ended request stops at its next statement.
// Never for a handler that streams, exports or reads a large result set.
func ShortReads(fn web.HandlerFunc) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return fn(w, r.WithContext(db.ShortReads(r.Context())))
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
	l := u.Locale(r)
	title := http.StatusText(status)
	// msg for text alone, shown the page's way (quotes and moments as
	// elements) on the page.
	msg, shown := MessageIn(err, l), MessageForPage(err, l)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "30")
		title, msg = "Temporarily unavailable", l.T(web.UnavailableMessage)
		shown = msg
	}
	if status == http.StatusNotFound && errors.Is(err, errs.NotFound) {
		title, msg = "Not found", l.T("There is nothing here. It may have been removed, or the link is wrong.")
		shown = msg
		if e := new(errs.Error); errors.As(err, &e) && e.Message != "" && e.Message != "Not found." {
			msg, shown = MessageIn(e, l), MessageForPage(e, l)
		}
	}
	p := u.NewPage(w, r, title, nil)
	p.Error = shown
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

func ago(l *i18n.Locale, t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return l.T("just now")
	case d < time.Hour:
		return l.T("%d min ago", int(d.Minutes()))
	case d < 24*time.Hour:
		return l.T("%d h ago", int(d.Hours()))
	case d < 7*24*time.Hour:
		return l.T("%d d ago", int(d.Hours()/24))
	default:
		return t.Format("2006-01-02")
	}
}

func Initial(s string) string {
	for _, r := range strings.TrimSpace(s) {
		return strings.ToUpper(string(r))
	}
	return "?"
}

// TimeTag writes a moment as <time datetime="RFC 3339" data-fmt=format>
// whose text, until the page's time.js rewrites it in the viewer's own
// zone, is the moment in UTC ("2026-12-05 06:09 UTC"; "2026-12-05" for
// format "date"). A zero time writes nothing.
func TimeTag(t time.Time, format, class string) template.HTML {
	if t.IsZero() {
		return ""
	}
	t = t.UTC()
	format, class = html.EscapeString(format), html.EscapeString(class)
	// One allocation: pages show a time on every message and row.
	var tmp [40]byte
	var b strings.Builder
	b.Grow(len(`<time datetime="2006-01-02T15:04:05Z" data-fmt="" class="">2006-01-02 15:04 UTC</time>`) + len(format) + len(class) + 8)
	b.WriteString(`<time datetime="`)
	b.Write(t.AppendFormat(tmp[:0], time.RFC3339))
	b.WriteString(`" data-fmt="`)
	b.WriteString(format)
	b.WriteString(`"`)
	if class != "" {
		b.WriteString(` class="`)
		b.WriteString(class)
		b.WriteString(`"`)
	}
	b.WriteString(`>`)
	if format == "date" {
		b.Write(t.AppendFormat(tmp[:0], "2006-01-02"))
	} else {
		b.Write(t.AppendFormat(tmp[:0], "2006-01-02 15:04 UTC"))
	}
	b.WriteString(`</time>`)
	return template.HTML(b.String())
}

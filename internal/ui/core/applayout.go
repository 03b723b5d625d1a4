package core

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"

	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/web"
)

// AppShell is what a follower page shows around its content in the
// app's layout ("layout_app" in templates/layout/layouts.html), for a page
// whose layout is written in Go (AppPage): the parts its template defined
// as blocks of that layout.
type AppShell struct {
	// Title is the document's title, before " · Herald".
	Title string
	// Heading is the top bar's heading; "" is the page's Title.
	Heading template.HTML
	// TopbarStart replaces the brand (a link to the chat list) at the
	// start of the top bar, with a back arrow; "" keeps the brand.
	TopbarStart template.HTML
	// TopbarSide is the end of the top bar (a link, an icon).
	TopbarSide template.HTML
	// FullScreen is a page that fills the screen, as a conversation or an
	// article does: its body is classed full-screen, and it has no tab
	// bar. (The language switch ends every page: the templates' empty
	// "langfoot" definitions never replaced the layout's.)
	FullScreen bool
	// Content writes the page's own part into the page; nil executes the
	// page's "content" template.
	Content func(b *bytes.Buffer) error
}

// AppPage makes page (as "app/chat") render with the app's layout written
// in Go, its shell's parts given by shell and its content by the page's
// "content" template, instead of by html/template executing the layout,
// which was most of the template work of the follower's busiest pages
// (some forty actions, most of them reflect calls). TestAppLayoutMarkup
// holds the two to the same bytes. Call it before the first Render.
func (u *UI) AppPage(page string, shell func(p *Page) AppShell) {
	if u.shells == nil {
		u.shells = map[string]func(*Page) AppShell{}
	}
	u.shells[page] = shell
}

// renderApp renders page, registered with AppPage, with its shell.
func (u *UI) renderApp(w http.ResponseWriter, status int, page string, p *Page, shell func(*Page) AppShell) error {
	s := shell(p)
	content := s.Content
	if content == nil {
		content = func(b *bytes.Buffer) error { return u.tpl.ExecuteIn(b, page, "content", string(p.Lang), p) }
	}
	return web.WritePage(w, status, func(b *bytes.Buffer) error { return u.WriteAppPage(b, p, &s, content) })
}

// appChrome is the fixed text of the app's layout in one language: its
// translations, fingerprinted asset URLs and language buttons, joined
// once instead of for every page.
type appChrome struct {
	headStart  string // up to the title
	headEnd    string // after the title, on a page with the web app's head (pwa_head)
	headEndMP  string // after the title, on a console or admin path
	langfoot   string // the language switch, up to the page's path
	langEnd    string // after the page's path
	tabbar     string // up to the Chats link's place for aria-current
	chats      string // from there to the Discover link's
	discover   string // to the Me link's
	me         string // to the end
	oneProblem string // the error summary's title for one problem
}

func (u *UI) newAppChrome(l *i18n.Locale) *appChrome {
	asset := func(name string) string {
		var b bytes.Buffer
		URLAttr(&b, u.static.URL(name))
		return b.String()
	}
	c := &appChrome{}
	c.headStart = "<!doctype html>\n<html lang=\"" + htmlEscapeString(string(l.Lang)) + "\">\n<head>\n<meta charset=\"utf-8\">\n" +
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
	c.headEndMP = " · Herald</title>\n<link rel=\"icon\" href=\"" + asset("favicon.ico") + "\">\n" +
		"<link rel=\"stylesheet\" href=\"" + asset("app.css") + "\">\n" +
		"<script src=\"" + asset("app.js") + "\" defer></script>\n" +
		"<script src=\"" + asset("time.js") + "\" defer></script>\n"
	c.headEnd = c.headEndMP + "<link rel=\"manifest\" href=\"/manifest.webmanifest\">\n<meta name=\"theme-color\" content=\"#07a35a\">\n" +
		"<link rel=\"apple-touch-icon\" href=\"/icons/apple-touch.png\">\n<script src=\"" + asset("push.js") + "\" defer></script>\n</head>"
	c.headEndMP += "\n</head>"
	c.langfoot = "<footer class=\"langfoot\"><form method=\"post\" action=\"/lang\" class=\"langswitch\" data-testid=\"langswitch\" aria-label=\"" +
		htmlEscapeString(l.Text("Language")) + "\">\n  <input type=\"hidden\" name=\"next\" value=\""
	c.langEnd = "\">\n  " + string(LangButtons(l.Lang)) + "\n</form></footer>"
	c.tabbar = "<nav class=\"tabbar\" aria-label=\"" + htmlEscapeString(l.Text("Main")) + "\">\n  <a href=\"/\" "
	c.chats = ">" + htmlEscapeString(l.Text("Chats")) + "</a>\n  <a href=\"/discover\" "
	c.discover = ">" + htmlEscapeString(l.Text("Discover")) + "</a>\n  <a href=\"/me\" "
	c.me = ">" + htmlEscapeString(l.Text("Me")) + "</a>\n</nav>"
	c.oneProblem = htmlEscapeString(l.Text("One thing needs fixing before this can be saved:"))
	return c
}

// chrome is the layout's fixed text in l's language, made on first use.
func (u *UI) chrome(l *i18n.Locale) *appChrome {
	if c, ok := u.chromes.Load(l.Lang); ok {
		return c.(*appChrome)
	}
	c, _ := u.chromes.LoadOrStore(l.Lang, u.newAppChrome(l))
	return c.(*appChrome)
}

// WriteAppPage writes page p with the app's layout and shell s into b,
// content writing the page's own part, as the template "layout_app" does
// with the page's blocks: the head, the top bar, the flash and error
// summary, the content, the language switch and the tab bar.
func (u *UI) WriteAppPage(b *bytes.Buffer, p *Page, s *AppShell, content func(*bytes.Buffer) error) error {
	c := u.chrome(p.L)
	b.Grow(16 << 10)
	b.WriteString(c.headStart)
	HTMLEscape(b, s.Title)
	if strings.HasPrefix(p.Path, "/mp/") || strings.HasPrefix(p.Path, "/admin/") {
		b.WriteString(c.headEndMP)
	} else {
		b.WriteString(c.headEnd)
	}
	b.WriteString("\n<body class=\"face-app")
	if s.FullScreen {
		b.WriteString(" full-screen")
	}
	b.WriteString("\">\n<header class=\"topbar\">\n  ")
	if s.TopbarStart != "" {
		b.WriteString(string(s.TopbarStart))
	} else {
		b.WriteString(`<a href="/" class="brand">Herald</a>`)
	}
	b.WriteString("\n  <h1 class=\"topbar-title\">")
	if s.Heading != "" {
		b.WriteString(string(s.Heading))
	} else {
		HTMLEscape(b, p.Title)
	}
	b.WriteString("</h1>\n  <span class=\"topbar-side\">")
	b.WriteString(string(s.TopbarSide))
	b.WriteString("</span>\n</header>\n<main class=\"app-main\">\n")
	writeFlash(b, c, p)
	b.WriteString("\n")
	if err := content(b); err != nil {
		return err
	}
	b.WriteString("\n")
	b.WriteString(c.langfoot)
	HTMLEscape(b, p.Path)
	b.WriteString(c.langEnd)
	b.WriteString("\n</main>\n")
	if p.Me != nil && !s.FullScreen {
		b.WriteString(c.tabbar)
		if p.Path == "/" {
			b.WriteString(`aria-current="page"`)
		}
		b.WriteString(c.chats)
		if strings.HasPrefix(p.Path, "/discover") {
			b.WriteString(`aria-current="page"`)
		}
		b.WriteString(c.discover)
		if strings.HasPrefix(p.Path, "/me") {
			b.WriteString(`aria-current="page"`)
		}
		b.WriteString(c.me)
	}
	b.WriteString("\n</body>\n</html>")
	return nil
}

// writeFlash writes the template "flash": the one-time message, the
// form's message and the summary of its fields' messages.
func writeFlash(b *bytes.Buffer, c *appChrome, p *Page) {
	if p.Flash != "" {
		b.WriteString(`<div class="flash" role="status">`)
		b.WriteString(string(Rich(p.Flash)))
		b.WriteString(`</div>`)
	}
	if p.Error != "" {
		b.WriteString(`<div class="alert" role="alert">`)
		b.WriteString(string(Rich(p.Error)))
		b.WriteString(`</div>`)
	}
	if len(p.Problems) == 0 {
		return
	}
	b.WriteString("<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" data-testid=\"error-summary\">\n  <p class=\"error-summary-title\">")
	if len(p.Problems) == 1 {
		b.WriteString(c.oneProblem)
	} else {
		HTMLEscape(b, p.L.T("%d things need fixing before this can be saved:", len(p.Problems)))
	}
	b.WriteString("</p>\n  <ul>")
	for _, pr := range p.Problems {
		b.WriteString(`<li><a href="#field-`)
		WriteURLPart(b, pr.Field)
		b.WriteString(`" data-field="`)
		HTMLEscape(b, pr.Field)
		b.WriteString(`">`)
		b.WriteString(string(Rich(pr.Message)))
		b.WriteString(`</a></li>`)
	}
	b.WriteString("</ul>\n</div>")
}

func htmlEscapeString(s string) string {
	var b bytes.Buffer
	HTMLEscape(&b, s)
	return b.String()
}

// WriteURLPart writes s as html/template writes a value in a URL's query
// or fragment (in a quoted attribute): every byte but letters, digits and
// "-._~" percent-encoded, which leaves nothing the attribute needs escaped.
func WriteURLPart(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
}

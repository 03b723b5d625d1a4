package follower

import (
	"bytes"
	"html/template"
	"os"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/user"
)

// The app's layout is written in Go for the follower's four busiest
// pages (core.WriteAppPage with the shells of shell.go); the other pages
// of the app still execute the template "layout_app". These tests hold
// the Go layout to that template, read from the templates the app runs,
// with the blocks the four pages defined kept in testdata/layout_<page>.html,
// so that a change to either shows here.

// layoutContent stands for a page's own part in both renderings.
const layoutContent = "\n<section data-testid=\"the-page\">the page</section>\n"

// layoutTemplate parses the app's layout files with the blocks page
// defined before its shell was written in Go, its content layoutContent,
// with the app's template functions in l's language.
func layoutTemplate(t testing.TB, u *core.UI, l *i18n.Locale, page string) *template.Template {
	t.Helper()
	tpl := template.New("").Funcs(template.FuncMap{
		"t":           l.T,
		"lang":        func() string { return string(l.Lang) },
		"asset":       u.Asset,
		"rich":        core.Rich,
		"langbuttons": func() template.HTML { return core.LangButtons(l.Lang) },
		"hasprefix":   strings.HasPrefix,
		"initial":     core.Initial,
		"label":       func(s string) string { return s },
	})
	files := []string{"../templates/layout/layouts.html", "../templates/layout/pwa.html", "../templates/layout/follower.html"}
	if _, err := os.Stat("testdata/layout_" + page + ".html"); err == nil {
		files = append(files, "testdata/layout_"+page+".html")
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		template.Must(tpl.Parse(string(src)))
	}
	return template.Must(tpl.Parse(`{{define "content"}}` + layoutContent + `{{end}}`))
}

// viaGoLayout writes p as the app writes a page registered with its shell.
func viaGoLayout(t testing.TB, u *core.UI, page string, p *core.Page) string {
	t.Helper()
	s := (&UI{UI: u}).shells()["app/"+page](p)
	s.Content = nil
	var b bytes.Buffer
	if err := u.WriteAppPage(&b, p, &s, func(b *bytes.Buffer) error { b.WriteString(layoutContent); return nil }); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// layoutData is a page's data with the values its shell shows.
func layoutData(page, text string, id int64, n int, verified bool) any {
	switch page {
	case "home":
		return &chatListData{Unread: n}
	case "article":
		return &core.ArticlePage{Article: &publish.Article{ID: id + 1, Title: text}, Account: &account.Account{ID: id, Name: text + " 号"}}
	case "chat":
		return &chatData{Account: &accountCard{ID: id, Name: text, Verified: verified}}
	}
	return &folderData{}
}

// layoutPage is a page in l's language whose texts are text.
func layoutPage(l *i18n.Locale, page, text, path string, me bool, msgs int) *core.Page {
	p := &core.Page{Lang: l.Lang, L: l, Title: text, Path: path, Fields: map[string]string{}}
	if me {
		p.Me = &user.Person{ID: 3, DisplayName: text}
	}
	if msgs > 0 {
		p.Flash = text
		p.Error = "\ue000" + text + "\ue001 failed at \ue0022026-12-06T03:04:05Z\ue001" // a quote and a moment, as core.Rich shows them
	}
	for i := 1; i < msgs; i++ {
		p.Problems = append(p.Problems, core.Problem{Field: []string{"text", "a b/é+?#"}[i%2], Message: text})
	}
	return p
}

var layoutPages = []string{"home", "article", "chat", "subscriptions"}

// TestAppLayoutMarkup checks that the Go layout writes each of the four
// pages exactly as the template did, in every language, signed in and
// out, with and without a flash, a form error and one or more field
// messages, on the app's paths and on a console's (no web app head), with
// texts that hold markup, quotes, plus signs and non-ASCII.
func TestAppLayoutMarkup(t *testing.T) {
	u, err := core.New(core.Deps{}, os.DirFS(".."))
	if err != nil {
		t.Fatal(err)
	}
	cat := u.Catalog()
	texts := []string{"Tea time", "", `<script>alert("x")</script> & 'q' + 莲心`, "Follow", "\x00\xff"}
	paths := []string{"/", "/chat/7", "/s/2b", "/subscriptions", "/discover", "/me/accounts", "/mp/a/1/", "/admin/x", `/a"b<c>`}
	n := 0
	for _, lang := range i18n.Langs {
		l := cat.Locale(lang)
		for _, page := range layoutPages {
			tpl := layoutTemplate(t, u, l, page)
			for i, text := range texts {
				for j, path := range paths {
					for _, me := range []bool{true, false} {
						for _, msgs := range []int{0, 1, 2, 3} {
							if (i+j+msgs)%2 == 1 && text != "" { // half of the combinations suffice, all of them for one text
								continue
							}
							p := layoutPage(l, page, text, path, me, msgs)
							p.Data = layoutData(page, text, int64(7+i), []int{0, 3, 120}[j%3], j%2 == 0)
							want, got := viaTemplate(t, tpl, "layout_app", p), viaGoLayout(t, u, page, p)
							if got != want {
								t.Fatalf("%s %s text %q path %q me %v msgs %d differs:\n got %q\nwant %q", lang, page, text, path, me, msgs, got, want)
							}
							n++
						}
					}
				}
			}
		}
	}
	t.Logf("%d pages compared", n)
}

// FuzzAppLayoutMarkup writes the four pages with arbitrary texts, path
// and number both ways and fails when they differ.
func FuzzAppLayoutMarkup(f *testing.F) {
	u, err := core.New(core.Deps{}, os.DirFS(".."))
	if err != nil {
		f.Fatal(err)
	}
	l := u.Catalog().Locale(i18n.English)
	tpls := map[string]*template.Template{}
	for _, page := range layoutPages {
		tpls[page] = layoutTemplate(f, u, l, page)
	}
	f.Add("Tea time", "/", 3, true)
	f.Add("<b>x</b> & +", "/discover/x?y", -1, false)
	f.Fuzz(func(t *testing.T, text, path string, n int, me bool) {
		for _, page := range layoutPages {
			p := layoutPage(l, page, text, path, me, n&3)
			p.Data = layoutData(page, text, int64(n), n, n%2 == 0)
			if want, got := viaTemplate(t, tpls[page], "layout_app", p), viaGoLayout(t, u, page, p); got != want {
				t.Errorf("%s differs:\n got %q\nwant %q", page, got, want)
			}
		}
	})
}

// chatContentTemplate parses the conversation's content as the template
// wrote it (testdata/chat_content.html), with the follower layout's icons
// and the page's "chat_keyboard" as the app runs them.
func chatContentTemplate(t testing.TB, u *core.UI, l *i18n.Locale) *template.Template {
	t.Helper()
	tpl := template.New("").Funcs(template.FuncMap{
		"t":       l.T,
		"texts":   func(keys ...string) string { return core.Texts(l, keys) },
		"asset":   u.Asset,
		"rich":    core.Rich,
		"initial": core.Initial,
		"field": func(p *core.Page, name string) string {
			if p == nil || p.Form == nil {
				return ""
			}
			return p.Form.Get(name)
		},
		"fielderr": func(p *core.Page, name string) string {
			if p == nil {
				return ""
			}
			return p.Fields[name]
		},
	})
	for _, f := range []string{"../templates/layout/follower.html", "../templates/app/chat.html", "testdata/chat_content.html"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		template.Must(tpl.Parse(string(src)))
	}
	return tpl
}

// chatContentPages are conversation pages in l's language with texts
// text: able to send or not, with and without a menu bar (buttons, links
// and a group of sub-buttons), messages of every kind, earlier messages,
// the composer written from the kept panes or by its template for a form
// shown again, a follower or not of an active or a suspended account.
func chatContentPages(l *i18n.Locale, text string, n int64) []*core.Page {
	var out []*core.Page
	for i := 0; i < 32; i++ {
		d := &chatData{Account: &accountCard{ID: n, Name: text, Status: []string{"active", "suspended"}[i>>4&1]},
			CanSend: i&1 == 1, Following: i&2 == 2, LiveAfter: n * 7, AccountAvatar: text, MeName: text + "!", MeAvatar: "/me/avatar", Tab: "text",
			Notice: "\ue000" + text + "\ue001 " + text}
		if i&4 == 4 {
			d.Menu = menuBar(n, []core.MenuButton{{Type: "click", Name: text, Key: text}, {Type: "view", Name: "Site", URL: "https://example.com/?q=" + text},
				{Name: text, SubButtons: []core.MenuButton{{Type: "article_id", Name: "A", ArticleID: "12"}, {Type: "media_id", Name: text}, {Type: "click", Name: "k", Key: "k"}}}})
			d.Tab = []string{"menu", "text"}[i>>3&1]
		}
		if i&12 == 8 {
			d.Tab = "image"
		}
		if i&8 == 8 {
			d.Older = n + 1
			for _, c := range chatMessages() {
				if c.Body.Text != "" {
					c.Body.Text += text
				}
				c.AvatarName += text
				d.msgs = append(d.msgs, *c)
			}
		}
		p := &core.Page{Lang: l.Lang, L: l, Title: text, Path: "/chat/1", Data: d, Fields: map[string]string{}}
		if i&16 == 16 {
			p.Form = map[string][]string{"text": {text}, "url": {text}}
			p.Fields["text"], p.Fields["url"] = text, "Not a link."
		} else {
			d.keyboardAhead = i&12 != 0 // as the page view writes it; else the template, as for a form shown again
		}
		out = append(out, p)
	}
	return out
}

// chatContentBefore is a conversation page's data as the content's
// template read it, with the messages and the menu bar written beforehand
// by the templates their writers replaced (testdata/chat_msg.html and
// chat_menu.html), and the composer always by "chat_keyboard".
type chatContentBefore struct {
	*chatData
	MessagesHTML, MenuHTML, Keyboard template.HTML
}

// chatContentTemplates are the templates of the conversation's content as
// they were before it was written in Go, in l's language.
type chatContentTemplates struct{ content, msg, menu *template.Template }

func newChatContentTemplates(t testing.TB, u *core.UI, l *i18n.Locale) chatContentTemplates {
	return chatContentTemplates{chatContentTemplate(t, u, l), replacedTemplate(t, l, "chat_msg", map[string]string{"icon_location": iconLocation}),
		replacedTemplate(t, l, "chat_menu", nil)}
}

// render writes p's content as the templates did.
func (c chatContentTemplates) render(t testing.TB, p *core.Page) string {
	d := p.Data.(*chatData)
	before := &chatContentBefore{chatData: d, MenuHTML: template.HTML(viaTemplate(t, c.menu, "chat_menu", d.Menu))}
	var msgs strings.Builder
	for i := range d.msgs {
		msgs.WriteString(viaTemplate(t, c.msg, "chat_msg", &d.msgs[i]))
	}
	before.MessagesHTML = template.HTML(msgs.String())
	q := *p
	q.Data = before
	return viaTemplate(t, c.content, "content", &q)
}

// TestChatContentMarkup checks that writeChatContent writes the
// conversation's content, its messages, menu bar and composer exactly as
// the templates did, in every language.
func TestChatContentMarkup(t *testing.T) {
	c, err := core.New(core.Deps{}, os.DirFS(".."))
	if err != nil {
		t.Fatal(err)
	}
	u := New(c)
	n := 0
	for _, lang := range i18n.Langs {
		l := c.Catalog().Locale(lang)
		tpl := newChatContentTemplates(t, c, l)
		for _, text := range []string{"Tea time", "", `<script>alert("x")</script> & 'q' + 莲心`, "\x00\xff"} {
			for _, p := range chatContentPages(l, text, 387883672570720256) {
				var b bytes.Buffer
				if err := u.writeChatContent(&b, p, p.Data.(*chatData)); err != nil {
					t.Fatal(err)
				}
				if want, got := tpl.render(t, p), b.String(); got != want {
					t.Fatalf("%s %q differs from byte %d:\n got %q\nwant %q", lang, text, firstDiff(got, want), got[firstDiff(got, want):], want[firstDiff(got, want):])
				}
				n++
			}
		}
	}
	t.Logf("%d pages compared", n)
}

// FuzzChatContentMarkup writes the conversation's content with arbitrary
// texts both ways and fails when they differ.
func FuzzChatContentMarkup(f *testing.F) {
	c, err := core.New(core.Deps{}, os.DirFS(".."))
	if err != nil {
		f.Fatal(err)
	}
	u := New(c)
	l := c.Catalog().Locale(i18n.English)
	tpl := newChatContentTemplates(f, c, l)
	f.Add("Tea time", int64(7))
	f.Add("<b>x</b> & +", int64(-1))
	f.Fuzz(func(t *testing.T, text string, n int64) {
		for _, p := range chatContentPages(l, text, n) {
			var b bytes.Buffer
			if err := u.writeChatContent(&b, p, p.Data.(*chatData)); err != nil {
				t.Fatal(err)
			}
			if want, got := tpl.render(t, p), b.String(); got != want {
				t.Errorf("differs from byte %d:\n got %q\nwant %q", firstDiff(got, want), got[firstDiff(got, want):], want[firstDiff(got, want):])
			}
		}
	})
}

// firstDiff is where a and b first differ.
func firstDiff(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

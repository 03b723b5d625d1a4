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
	s := shells["app/"+page](p)
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

package follower

import (
	"bytes"
	"html/template"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/user"
)

// contentTemplate parses a page's content as its template wrote it
// (testdata/<name>.html) with the partials it calls read from the
// follower's layout file, and the page's template functions in l's
// language.
func contentTemplate(t testing.TB, u *core.UI, l *i18n.Locale, name string) *template.Template {
	t.Helper()
	tpl := template.New("").Funcs(template.FuncMap{
		"t":       l.T,
		"asset":   u.Asset,
		"initial": core.Initial,
		"when": func(tm time.Time, format string, class ...string) template.HTML {
			return core.TimeTag(tm, format, strings.Join(class, " "))
		},
		// The layout file's other functions, unused by the content.
		"rich": core.Rich, "hasprefix": strings.HasPrefix, "lang": func() string { return string(l.Lang) },
		"langbuttons": func() template.HTML { return core.LangButtons(l.Lang) }, "label": func(s string) string { return s },
		"field": func(*core.Page, string) string { return "" }, "fielderr": func(*core.Page, string) string { return "" },
	})
	for _, f := range []string{"../templates/layout/follower.html", "testdata/" + name + ".html"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		template.Must(tpl.Parse(string(src)))
	}
	return tpl
}

// homeBefore is the chat list's data as its template read it, with the
// rows written beforehand.
type homeBefore struct {
	*chatListData
	RowsHTML template.HTML
}

// folderBefore is the folder's data as its template read it, with the
// groups written beforehand.
type folderBefore struct {
	*folderData
	GroupsHTML template.HTML
}

// homePages are chat lists in l's language whose texts are text: no rows
// (the greeting), the rows of chatRows, one row.
func homePages(l *i18n.Locale, text, link string) []*core.Page {
	var out []*core.Page
	rows := chatRows(text, link)
	for _, d := range []*chatListData{{}, {Rows: rows, Unread: 3}, {Rows: rows[4:5]}, {Rows: rows[1:2], Unread: -1}} {
		out = append(out, &core.Page{Lang: l.Lang, L: l, Title: text, Path: "/", Data: d, Me: &user.Person{ID: 3, DisplayName: text}})
	}
	return out
}

// viaHomeTemplate writes p's content as the template did.
func viaHomeTemplate(t testing.TB, tpl *template.Template, p *core.Page) string {
	d := p.Data.(*chatListData)
	q := *p
	q.Data = &homeBefore{chatListData: d, RowsHTML: rowsHTML(p.L, d.Rows)}
	return viaTemplate(t, tpl, "content", &q)
}

// TestHomeContentMarkup checks that writeHomeContent writes the chat
// list's content exactly as the template did, in every language, with
// texts that hold markup, quotes, plus signs, NUL and non-UTF-8.
func TestHomeContentMarkup(t *testing.T) {
	c, err := core.New(core.Deps{}, os.DirFS(".."))
	if err != nil {
		t.Fatal(err)
	}
	u := New(c)
	n := 0
	for _, lang := range i18n.Langs {
		l := c.Catalog().Locale(lang)
		tpl := contentTemplate(t, c, l, "home_content")
		for _, text := range []string{"Tea time", "", `<script>alert("x")</script> & 'q' + 莲心 %d`, "\x00\xff"} {
			for _, link := range []string{"/a/7/avatar", "javascript:alert(1)", "HTTP://x/a b?c=%zz"} {
				for _, p := range homePages(l, text, link) {
					var b bytes.Buffer
					u.writeHomeContent(&b, p, p.Data.(*chatListData))
					if want, got := viaHomeTemplate(t, tpl, p), b.String(); got != want {
						i := firstDiff(got, want)
						t.Fatalf("%s %q differs from byte %d:\n got %q\nwant %q", lang, text, i, got[i:], want[i:])
					}
					n++
				}
			}
		}
	}
	t.Logf("%d pages compared", n)
}

// folderPages are folder pages in l's language whose texts are text:
// empty (publishing wired in or not), with conversations (verified or
// not, unread or not, with and without an avatar), groups, a next page's
// cursor, and each of these alone.
func folderPages(l *i18n.Locale, text, link string) []*core.Page {
	at := time.Date(2026, 12, 6, 3, 4, 5, 0, time.UTC)
	chats := []*chatRow{
		{AccountID: 7, Href: "/chat/7", Name: text, AvatarURL: link, Verified: true, Preview: text, At: at, Unread: 3},
		{AccountID: 387883672570720256, Href: link, Name: "莲心茶舍", Preview: "", Unread: 120},
		{AccountID: -9, Href: "/chat/-9", Name: "", Preview: text, At: at.Add(-time.Hour), Unread: -1},
	}
	groups := folderGroups(text, link)
	var out []*core.Page
	for _, d := range []*folderData{{}, {Available: true}, {Chats: chats, Groups: groups, Next: "388393107032387585_7", Available: true},
		{Chats: chats[1:2], Available: true}, {Groups: groups[1:2], Next: text + "/a b&c=é+%", Available: true}, {Groups: groups, Available: true}} {
		out = append(out, &core.Page{Lang: l.Lang, L: l, Title: text, Path: "/subscriptions", Data: d, Me: &user.Person{ID: 3, DisplayName: text}})
	}
	return out
}

// viaFolderTemplate writes p's content as the template did.
func viaFolderTemplate(t testing.TB, tpl *template.Template, p *core.Page) string {
	d := p.Data.(*folderData)
	q := *p
	q.Data = &folderBefore{folderData: d, GroupsHTML: groupsHTML(p.L, d.Groups)}
	return viaTemplate(t, tpl, "content", &q)
}

// TestFolderContentMarkup checks that writeFolderContent writes the
// Subscriptions folder's content exactly as the template did, in every
// language, with texts that hold markup, quotes, plus signs, NUL and
// non-UTF-8.
func TestFolderContentMarkup(t *testing.T) {
	c, err := core.New(core.Deps{}, os.DirFS(".."))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, lang := range i18n.Langs {
		l := c.Catalog().Locale(lang)
		tpl := contentTemplate(t, c, l, "folder_content")
		for _, text := range []string{"Tea time", "", `<script>alert("x")</script> & 'q' + 莲心 %d`, "\x00\xff"} {
			for _, link := range []string{"/a/7/avatar", "javascript:alert(1)", "HTTP://x/a b?c=%zz"} {
				for _, p := range folderPages(l, text, link) {
					var b bytes.Buffer
					writeFolderContent(&b, l, p.Data.(*folderData))
					if want, got := viaFolderTemplate(t, tpl, p), b.String(); got != want {
						i := firstDiff(got, want)
						t.Fatalf("%s %q differs from byte %d:\n got %q\nwant %q", lang, text, i, got[i:], want[i:])
					}
					n++
				}
			}
		}
	}
	t.Logf("%d pages compared", n)
}

// FuzzPageContentMarkup writes the chat list's and the folder's content
// with arbitrary texts, links and cursors both ways and fails when they
// differ.
func FuzzPageContentMarkup(f *testing.F) {
	c, err := core.New(core.Deps{}, os.DirFS(".."))
	if err != nil {
		f.Fatal(err)
	}
	u := New(c)
	l := c.Catalog().Locale(i18n.English)
	home, folder := contentTemplate(f, c, l, "home_content"), contentTemplate(f, c, l, "folder_content")
	f.Add("Tea time", "/a/7/avatar", "12_3")
	f.Add("<b>x</b> & +", "javascript:alert(1)", "a b/é?&#")
	f.Fuzz(func(t *testing.T, text, link, next string) {
		for _, p := range homePages(l, text, link) {
			var b bytes.Buffer
			u.writeHomeContent(&b, p, p.Data.(*chatListData))
			if want, got := viaHomeTemplate(t, home, p), b.String(); got != want {
				i := firstDiff(got, want)
				t.Errorf("chat list differs from byte %d:\n got %q\nwant %q", i, got[i:], want[i:])
			}
		}
		for _, p := range folderPages(l, text, link) {
			d := p.Data.(*folderData)
			if d.Next != "" {
				d.Next = next
			}
			var b bytes.Buffer
			writeFolderContent(&b, l, d)
			if want, got := viaFolderTemplate(t, folder, p), b.String(); got != want {
				i := firstDiff(got, want)
				t.Errorf("folder differs from byte %d:\n got %q\nwant %q", i, got[i:], want[i:])
			}
		}
	})
}

package follower

import (
	"bytes"
	"html/template"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/user"
)

// articleContentTemplate parses the reading page's content as the
// template wrote it (testdata/article_content.html) with the partials it
// calls (account_name, badge, icon_like, icon_wow) read from the app's
// layout files, and the page's template functions in l's language.
func articleContentTemplate(t testing.TB, u *core.UI, l *i18n.Locale) *template.Template {
	t.Helper()
	tpl := template.New("").Funcs(template.FuncMap{
		"t":           l.T,
		"verifiedNow": u.VerifiedNow,
		"when": func(tm time.Time, format string, class ...string) template.HTML {
			return core.TimeTag(tm, format, strings.Join(class, " "))
		},
		"fielderr": func(p *core.Page, name string) string {
			if p == nil {
				return ""
			}
			return p.Fields[name]
		},
		// The layout files' other functions, unused by the content.
		"asset": u.Asset, "rich": core.Rich, "initial": core.Initial, "hasprefix": strings.HasPrefix,
		"lang": func() string { return string(l.Lang) }, "langbuttons": func() template.HTML { return core.LangButtons(l.Lang) },
		"label": func(s string) string { return s }, "field": func(*core.Page, string) string { return "" },
	})
	for _, f := range []string{"../templates/layout/follower.html", "../templates/layout/account.html", "testdata/article_content.html"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		template.Must(tpl.Parse(string(src)))
	}
	return tpl
}

// articleContentPages are reading pages in l's language whose texts are
// text: a preview or not (with its key in the siblings' links), read
// signed in or not, liked and wowed or not, with and without an author,
// a video, an original link (safe or not), siblings, comments (featured,
// replied), comments open or closed, a form or a note, a comment shown
// again with its error, a verified account or not, a cover or not.
func articleContentPages(l *i18n.Locale, text string, n int64, now time.Time) []*core.Page {
	var out []*core.Page
	sources := []string{"", "https://example.com/a?b=c&d=" + text, "javascript:alert(1)", " http://x.test/" + text}
	for i := 0; i < 512; i++ {
		bit := func(k int) bool { return i>>k&1 == 1 }
		a := &publish.Article{ID: n, Title: text, LikeCount: n % 1000, WowCount: -3, CommentsOpen: bit(5), SourceURL: sources[i>>7&3]}
		if bit(0) {
			a.Author, a.CoverMediaID, a.CommentCount = text+" 作者", "M9", 2
		}
		acc := &account.Account{ID: n / 3, Name: text + " <号>"}
		if bit(1) {
			acc.VerifiedUntil = now.Add(time.Hour)
		} else if bit(2) {
			acc.VerifiedUntil = now.Add(-time.Hour)
		}
		pub := &publish.Publication{ID: 4, Kind: publish.KindNews, PublishedAt: time.Date(2026, 12, 6, 3, 4, 5, 0, time.UTC)}
		if bit(3) {
			pub.Kind, pub.VideoMediaID = publish.KindVideo, []string{"", "M77 " + text}[i>>4&1]
		}
		d := &core.ArticlePage{Article: a, Publication: pub, Account: acc, Liked: bit(1), Wowed: bit(2), Preview: bit(6),
			Body: template.HTML("<p>" + template.HTMLEscapeString(text) + "</p>"), ShareURL: "https://h.test/s/" + text, Key: text + "/k+1",
			CanComment: bit(4), CommentNote: []string{"", text + " (followers only)"}[i>>3&1]}
		if bit(4) || bit(7) {
			d.Siblings = []*publish.Article{{ID: n + 1, Title: text + "1"}, a, {ID: n - 1, Title: "二"}}[:1+2*(i>>4&1)]
		}
		if bit(8) {
			d.Comments = []*publish.Comment{{Author: text, Body: text + "\n!", CreatedAt: now},
				{Author: "Mei", Body: "<b>ok</b>", Featured: true, Reply: text + " thanks", CreatedAt: pub.PublishedAt}}
			d.Comment = text
		}
		p := &core.Page{Lang: l.Lang, L: l, Title: text, Path: "/s/1", Data: d, Fields: map[string]string{}}
		if bit(0) != bit(5) {
			p.Me = &user.Person{ID: 3, DisplayName: text}
		}
		if bit(8) && bit(4) {
			p.Fields["body"] = text + " is too long."
		}
		out = append(out, p)
	}
	return out
}

// TestArticleContentMarkup checks that writeArticleContent writes the
// reading page's content exactly as the template did, in every language,
// with texts that hold markup, quotes, plus signs, NUL and non-UTF-8.
func TestArticleContentMarkup(t *testing.T) {
	now := time.Now().UTC()
	c, err := core.New(core.Deps{Clock: &clock.Offset{}}, os.DirFS(".."))
	if err != nil {
		t.Fatal(err)
	}
	u := New(c)
	n := 0
	for _, lang := range i18n.Langs {
		l := c.Catalog().Locale(lang)
		tpl := articleContentTemplate(t, c, l)
		for _, text := range []string{"Tea time", "", `<script>alert("x")</script> & 'q' + 莲心`, "\x00\xff", "a%2fb %zz é"} {
			for _, p := range articleContentPages(l, text, 387883672570720256, now) {
				var b bytes.Buffer
				u.writeArticleContent(&b, p, p.Data.(*core.ArticlePage))
				if want, got := viaTemplate(t, tpl, "content", p), b.String(); got != want {
					i := firstDiff(got, want)
					t.Fatalf("%s %q differs from byte %d:\n got %q\nwant %q", lang, text, i, got[i:], want[i:])
				}
				n++
			}
		}
	}
	t.Logf("%d pages compared", n)
}

// FuzzArticleContentMarkup writes the reading page's content with
// arbitrary texts both ways and fails when they differ.
func FuzzArticleContentMarkup(f *testing.F) {
	c, err := core.New(core.Deps{Clock: &clock.Offset{}}, os.DirFS(".."))
	if err != nil {
		f.Fatal(err)
	}
	u := New(c)
	l := c.Catalog().Locale(i18n.English)
	tpl := articleContentTemplate(f, c, l)
	f.Add("Tea time", int64(7))
	f.Add("<b>x</b> & + %41", int64(-1))
	f.Fuzz(func(t *testing.T, text string, n int64) {
		for i, p := range articleContentPages(l, text, n, time.Now().UTC()) {
			if i%5 != 0 { // a hundred of the variants, every bit both ways
				continue
			}
			var b bytes.Buffer
			u.writeArticleContent(&b, p, p.Data.(*core.ArticlePage))
			if want, got := viaTemplate(t, tpl, "content", p), b.String(); got != want {
				i := firstDiff(got, want)
				t.Errorf("differs from byte %d:\n got %q\nwant %q", i, got[i:], want[i:])
			}
		}
	})
}

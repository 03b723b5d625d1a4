package ui_test

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/user"
)

// TestDemoArticlesMarkup reads every article of the demo platform through
// the app (where the reading page's content is written in Go) as an
// anonymous reader, the demo follower and the three demo owners (each the
// owner of some articles and a stranger to the others), in English and
// Chinese, after the follower liked and commented on an article and its
// owner replied and featured the comment; and requires each page to hold,
// byte for byte, what the template the Go replaced
// (follower/testdata/article_content.html) writes for the same reading.
func TestDemoArticlesMarkup(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("seeds the demo platform")
	}
	s, _, pages := demoFollower(t)
	ctx := context.Background()
	u := s.App.UI.UI
	tpls := map[i18n.Lang]*template.Template{}
	ref := func(lang i18n.Lang) *template.Template {
		if tpls[lang] == nil {
			tpls[lang] = articleContentReference(t, u, u.Catalog().Locale(lang))
		}
		return tpls[lang]
	}

	// The follower likes, wows and comments on her article; its owner
	// features the comment and replies.
	mei := s.Client(t)
	mei.SignIn("mei", "follower-demo")
	article := pages["article"]
	articleID, err := publish.ParseArticlePath(strings.TrimPrefix(article, "/s/"))
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"like", "wow"} {
		if res := mei.PostForm(article+"/react", url.Values{"kind": {kind}, "on": {"1"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("react %s: %d", kind, res.Status)
		}
	}
	if res := mei.PostForm(article+"/comments", url.Values{"body": {`Lovely <b>tea</b> & "cakes" + 莲心 'too'`}}); res.Status != http.StatusSeeOther {
		t.Fatalf("comment: %d %s", res.Status, res.Body)
	}
	var commentID, accountID, ownerID int64
	if err := s.App.DB.QueryRow(ctx, `SELECT c.id, c.account_id, m.person_id FROM article_comments c
		JOIN account_members m ON m.account_id = c.account_id AND m.role = 'owner'
		WHERE c.article_id = ? ORDER BY c.id DESC LIMIT 1`, articleID).Scan(&commentID, &accountID, &ownerID); err != nil {
		t.Fatal(err)
	}
	owner, err := s.App.Users.ByID(ctx, ownerID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.App.Publish.Reply(ctx, accountID, commentID, "Thank you <3 & see you"); err != nil {
		t.Fatal(err)
	}
	if err := s.App.Publish.Feature(ctx, accountID, commentID, true); err != nil {
		t.Fatal(err)
	}

	ids, err := publishedArticles(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	viewers := []struct {
		username, password string
	}{{"", ""}, {"mei", "follower-demo"}, {"lotus", "owner-demo"}, {"harbour", "owner-demo"}, {"xiaolian", "owner-demo"}}
	langRE := regexp.MustCompile(`<html lang="([^"]+)"`)
	n, withComments, owned, langs := 0, 0, 0, map[i18n.Lang]bool{}
	for _, v := range viewers {
		for _, accept := range []string{"en", "zh-CN"} {
			c := s.Client(t)
			c.AcceptLanguage = accept
			var me *user.Person
			if v.username != "" {
				c.SignIn(v.username, v.password)
				if me, err = s.App.Users.ByUsername(ctx, v.username); err != nil {
					t.Fatal(err)
				}
			}
			for _, id := range ids {
				path := publish.ArticlePath(id)
				res := c.Get(path)
				if res.Status != http.StatusOK {
					t.Fatalf("%s as %q: %d", path, v.username, res.Status)
				}
				m := langRE.FindStringSubmatch(res.Body)
				if m == nil {
					t.Fatalf("%s: no language", path)
				}
				var viewer int64
				if me != nil {
					viewer = me.ID
				}
				rd, err := s.App.Publish.Read(ctx, id, viewer, "")
				if err != nil {
					t.Fatal(err)
				}
				lang := i18n.Lang(m[1])
				langs[lang] = true
				p := &core.Page{Lang: lang, L: u.Catalog().Locale(lang), Me: me, Path: path, Fields: map[string]string{}, Data: u.ArticleData(rd, "")}
				var want bytes.Buffer
				if err := ref(lang).ExecuteTemplate(&want, "content", p); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(res.Body, want.String()) {
					t.Fatalf("%s as %q in %s: the page does not hold the template's content\npage:\n%s\ntemplate:\n%s", path, v.username, lang, res.Body, want.String())
				}
				n++
				if len(rd.Comments) > 0 {
					withComments++
				}
				if me != nil && me.ID == owner.ID {
					owned++
				}
			}
		}
	}
	if withComments == 0 || owned == 0 || !langs[i18n.English] || !langs[i18n.Simplified] {
		t.Fatalf("no page with comments (%d), read by its owner (%d), or in English and Chinese (%v)", withComments, owned, langs)
	}
	t.Logf("%d pages of %d articles compared (%d with comments, %d read by their owner)", n, len(ids), withComments, owned)
}

// publishedArticles are the demo's published articles, in order.
func publishedArticles(ctx context.Context, s *apptest.Server) ([]int64, error) {
	rows, err := s.App.DB.Query(ctx, `SELECT ar.id FROM articles ar JOIN publications p ON p.id = ar.publication_id
		WHERE p.state = 'published' AND NOT ar.deleted ORDER BY ar.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// articleContentReference parses the reading page's content as the
// template wrote it, with the partials it calls read from the app's
// layout files and the app's template functions in l's language.
func articleContentReference(t testing.TB, u *core.UI, l *i18n.Locale) *template.Template {
	t.Helper()
	tpl := template.New("").Funcs(template.FuncMap{
		"t":           l.T,
		"verifiedNow": u.VerifiedNow,
		"when": func(tm time.Time, format string, class ...string) template.HTML {
			return core.TimeTag(tm, format, strings.Join(class, " "))
		},
		"fielderr": func(p *core.Page, name string) string { return p.Fields[name] },
		// The layout files' other functions, unused by the content.
		"asset": u.Asset, "rich": core.Rich, "initial": core.Initial, "hasprefix": strings.HasPrefix,
		"lang": func() string { return string(l.Lang) }, "langbuttons": func() template.HTML { return core.LangButtons(l.Lang) },
		"label": func(s string) string { return s }, "field": func(*core.Page, string) string { return "" },
	})
	for _, f := range []string{"templates/layout/follower.html", "templates/layout/account.html", "follower/testdata/article_content.html"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		template.Must(tpl.Parse(string(src)))
	}
	return tpl
}

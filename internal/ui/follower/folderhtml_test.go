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
)

// folderGroupsTemplate parses the html/template that groupsHTML replaced,
// with the page's template functions in l's language.
func folderGroupsTemplate(t testing.TB, l *i18n.Locale) *template.Template {
	t.Helper()
	src, err := os.ReadFile("testdata/folder_groups.html")
	if err != nil {
		t.Fatal(err)
	}
	tpl := template.New("").Funcs(template.FuncMap{
		"t":       l.T,
		"initial": core.Initial,
		"date":    func(t time.Time) string { return t.Format("2006-01-02") },
		"when": func(tm time.Time, format string, class ...string) template.HTML {
			return core.TimeTag(tm, format, strings.Join(class, " "))
		},
	})
	template.Must(tpl.Parse(`{{define "icon_verified"}}` + iconVerified + `{{end}}`))
	return template.Must(tpl.Parse(string(src)))
}

func groupsViaTemplate(t testing.TB, tpl *template.Template, groups []*folderGroup) string {
	t.Helper()
	var b bytes.Buffer
	if err := tpl.ExecuteTemplate(&b, "folder_groups", groups); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// folderGroups has groups with and without avatars, badges and folded
// publications, and values with markup, quotes, plus signs, non-ASCII and
// links with other schemes.
func folderGroups(text, link string) []*folderGroup {
	at := time.Date(2026, 12, 6, 3, 4, 5, 0, time.UTC)
	item := func(id int64, seen bool, articles int, cover string) core.FolderItem {
		return core.FolderItem{AccountID: 7, ArticleID: id, Title: text, CoverURL: cover, Articles: articles, At: at.Add(-time.Duration(id) * time.Hour), Seen: seen}
	}
	return []*folderGroup{
		{AccountID: 7, Name: text, AvatarURL: link, Verified: true, At: at,
			Items: []core.FolderItem{item(1, false, 1, link), item(2, true, 3, "")},
			More:  []core.FolderItem{item(3, false, 2, ""), item(4, true, 1, "/media/c.jpg")}},
		{AccountID: 387883672570720256, Name: " 莲心茶舍", At: at, Items: []core.FolderItem{item(5, true, 0, "")}},
		{AccountID: 9, Name: "", Items: []core.FolderItem{item(6, false, 1, "")}, More: []core.FolderItem{item(7, false, 1, "")}},
	}
}

// TestFolderGroupsMarkup checks that groupsHTML writes the folder's groups
// exactly as the template did, in every language.
func TestFolderGroupsMarkup(t *testing.T) {
	cat, err := i18n.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range i18n.Langs {
		l := cat.Locale(lang)
		tpl := folderGroupsTemplate(t, l)
		for _, groups := range [][]*folderGroup{nil, folderGroups("Pu-erh for beginners", "/a/7/avatar"),
			folderGroups(`<script>alert("x")</script> & 'q' + 莲心`, "javascript:alert(1)"), folderGroups("\x00\xff", "HTTP://x/a b?c=%zz")} {
			if want, got := groupsViaTemplate(t, tpl, groups), string(groupsHTML(l, groups)); got != want {
				t.Errorf("%s differs:\n got %q\nwant %q", lang, got, want)
			}
		}
	}
}

// FuzzFolderGroupsMarkup writes groups whose texts and links are arbitrary
// bytes both ways and fails when they differ.
func FuzzFolderGroupsMarkup(f *testing.F) {
	cat, err := i18n.Builtin()
	if err != nil {
		f.Fatal(err)
	}
	l := cat.Locale(i18n.English)
	tpl := folderGroupsTemplate(f, l)
	f.Add("title", "https://example.com/?a=1&b=2")
	f.Add("<b>x</b>", "javascript:alert(1)")
	f.Fuzz(func(t *testing.T, text, link string) {
		groups := folderGroups(text, link)
		if want, got := groupsViaTemplate(t, tpl, groups), string(groupsHTML(l, groups)); got != want {
			t.Errorf("differs:\n got %q\nwant %q", got, want)
		}
	})
}

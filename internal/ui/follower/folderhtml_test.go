package follower

import (
	"bytes"
	"html/template"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/ui/core"
)

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
		tpl := replacedTemplate(t, l, "folder_groups", map[string]string{"icon_verified": iconVerified})
		for _, groups := range [][]*folderGroup{nil, folderGroups("Pu-erh for beginners", "/a/7/avatar"),
			folderGroups(`<script>alert("x")</script> & 'q' + 莲心`, "javascript:alert(1)"), folderGroups("\x00\xff", "HTTP://x/a b?c=%zz")} {
			if want, got := viaTemplate(t, tpl, "folder_groups", groups), string(groupsHTML(l, groups)); got != want {
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
	tpl := replacedTemplate(f, l, "folder_groups", map[string]string{"icon_verified": iconVerified})
	f.Add("title", "https://example.com/?a=1&b=2")
	f.Add("<b>x</b>", "javascript:alert(1)")
	f.Fuzz(func(t *testing.T, text, link string) {
		groups := folderGroups(text, link)
		if want, got := viaTemplate(t, tpl, "folder_groups", groups), string(groupsHTML(l, groups)); got != want {
			t.Errorf("differs:\n got %q\nwant %q", got, want)
		}
	})
}

// groupsHTML is the folder's groups as writeGroups writes them, for the
// markup tests to compare with the template they replaced.
func groupsHTML(l *i18n.Locale, groups []*folderGroup) template.HTML {
	var b bytes.Buffer
	writeGroups(&b, l, groups)
	return template.HTML(b.String())
}

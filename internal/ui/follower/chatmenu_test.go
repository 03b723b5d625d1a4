package follower

import (
	"bytes"
	"os"
	"strconv"
	"testing"

	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/ui/core"
)

// TestChatMenuMarkup checks that menuHTML writes the menu bar's buttons
// exactly as the template did, in every language, for every kind of button
// and for names, keys and links with markup, quotes and other schemes.
func TestChatMenuMarkup(t *testing.T) {
	cat, err := i18n.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	evil := `<b>"Q&A"</b> 'x' + 莲心`
	menus := [][]menuItem{
		nil,
		menuBar(42, []core.MenuButton{
			{Type: "click", Name: evil, Key: evil},
			{Type: "view", Name: "Site", URL: "https://example.com/a b?x=1&y=\"2\""},
			{Name: "More", SubButtons: []core.MenuButton{
				{Type: "article_id", Name: "Article", ArticleID: "123"},
				{Type: "miniprogram", Name: "App", AppID: "wx1", PagePath: "pages/a?b=c"},
				{Type: "media_id", Name: evil, MediaID: "m"},
				{Type: "click", Name: "Key", Key: "k 1"},
			}},
		}),
		{{Name: "Raw", Kind: "link", Href: "javascript:alert(1)"}, {Name: "Raw", Kind: "click", Href: "/x y/%zz", Key: "\x00"}},
	}
	for _, lang := range i18n.Langs {
		l := cat.Locale(lang)
		tpl := replacedTemplate(t, l, "chat_menu", nil)
		for i, items := range menus {
			if want, got := viaTemplate(t, tpl, "chat_menu", items), string(menuHTML(l, items)); got != want {
				t.Errorf("%s, menu %d differs:\n got %q\nwant %q", lang, i, got, want)
			}
		}
	}
}

// FuzzChatMenuMarkup writes menu buttons whose names, keys and links are
// arbitrary bytes both ways and fails when they differ.
func FuzzChatMenuMarkup(f *testing.F) {
	cat, err := i18n.Builtin()
	if err != nil {
		f.Fatal(err)
	}
	l := cat.Locale(i18n.English)
	tpl := replacedTemplate(f, l, "chat_menu", nil)
	f.Add("Menu", "key", "/chat/1/click")
	f.Add("<b>", "'\"", "javascript:alert(1)")
	f.Fuzz(func(t *testing.T, name, key, href string) {
		items := []menuItem{{Name: name, Kind: "click", Key: key, Href: href}, {Name: name, Kind: "group", Sub: []menuItem{
			{Name: name, Kind: "link", Href: href}, {Name: key, Kind: "none"}}}}
		if want, got := viaTemplate(t, tpl, "chat_menu", items), string(menuHTML(l, items)); got != want {
			t.Errorf("differs:\n got %q\nwant %q", got, want)
		}
	})
}

// TestChatKeyboard checks that the composer's panes joined from the kept
// pieces are what the page's "chat_keyboard" template writes for the
// account, in every language, pane and with or without a menu.
func TestChatKeyboard(t *testing.T) {
	c, err := core.New(core.Deps{}, os.DirFS(".."))
	if err != nil {
		t.Fatal(err)
	}
	u := New(c)
	tabs := []string{"menu"}
	for tab := range composerTabs {
		tabs = append(tabs, tab)
	}
	for _, lang := range i18n.Langs {
		l := c.Catalog().Locale(lang)
		for _, tab := range tabs {
			for _, menu := range []bool{false, true} {
				for _, id := range []int64{1, 387883672600080387} {
					d := &chatData{Account: &accountCard{ID: id}, Tab: tab}
					if menu {
						d.Menu = []menuItem{{Name: "Menu", Kind: "none"}}
					}
					p := &core.Page{Lang: lang, L: l, Data: d}
					want, err := u.Partial("app/chat", "chat_keyboard", p)
					if err != nil {
						t.Fatal(err)
					}
					var b bytes.Buffer
					if err := u.writeKeyboard(&b, p, id, tab, menu); err != nil {
						t.Fatal(err)
					}
					got := b.String()
					if got != want {
						t.Errorf("%s, %s, menu %v, account %d differs:\n got %q\nwant %q", lang, tab, menu, id, got, want)
					}
					if !bytes.Contains([]byte(got), []byte("/chat/"+strconv.FormatInt(id, 10)+"/send")) {
						t.Errorf("%s, %s: the forms do not post to account %d", lang, tab, id)
					}
				}
			}
		}
	}
}

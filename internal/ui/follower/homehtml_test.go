package follower

import (
	"bytes"
	"html/template"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/i18n"
)

// chatRows has account rows with and without avatars, badges, unread
// counts (muted, over 99) and a last message, and the Subscriptions row,
// with values holding markup, quotes, plus signs, non-ASCII and links with
// other schemes.
func chatRows(text, link string) []*chatRow {
	at := time.Date(2026, 12, 6, 3, 4, 5, 0, time.UTC)
	return []*chatRow{
		{AccountID: 7, Href: "/chat/7", Name: text, AvatarURL: link, Verified: true, Preview: text, At: at, LastID: 387883672570720256, Unread: 3},
		{AccountID: 8, Href: link, Name: "莲心茶舍", Muted: true, Preview: "", At: at.Add(-time.Hour), Unread: 120},
		{AccountID: 9, Href: "/chat/9", Name: "", Muted: true, Verified: true, Preview: text},
		{AccountID: 10, Href: "/chat/10", Name: text, Unread: 100, LastID: 5},
		{Href: "/subscriptions", Name: "Subscriptions", Folder: true, Preview: text, At: at, Unread: 2},
		{Href: "/subscriptions", Name: text, Folder: true, Preview: "No publications yet"},
	}
}

// TestChatRowsMarkup checks that rowsHTML writes the chat list's rows
// exactly as the template did, in every language.
func TestChatRowsMarkup(t *testing.T) {
	cat, err := i18n.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range i18n.Langs {
		l := cat.Locale(lang)
		tpl := replacedTemplate(t, l, "chat_rows", map[string]string{"icon_verified": iconVerified, "icon_folder": iconFolder, "icon_more": iconMore})
		for _, rows := range [][]*chatRow{nil, chatRows("Tea time", "/a/7/avatar"),
			chatRows(`<script>alert("x")</script> & 'q' + 莲心`, "javascript:alert(1)"), chatRows("\x00\xff", "HTTP://x/a b?c=%zz")} {
			if want, got := viaTemplate(t, tpl, "chat_rows", rows), string(rowsHTML(l, rows)); got != want {
				t.Errorf("%s differs:\n got %q\nwant %q", lang, got, want)
			}
		}
	}
}

// FuzzChatRowsMarkup writes rows whose texts and links are arbitrary bytes
// both ways and fails when they differ.
func FuzzChatRowsMarkup(f *testing.F) {
	cat, err := i18n.Builtin()
	if err != nil {
		f.Fatal(err)
	}
	l := cat.Locale(i18n.English)
	tpl := replacedTemplate(f, l, "chat_rows", map[string]string{"icon_verified": iconVerified, "icon_folder": iconFolder, "icon_more": iconMore})
	f.Add("Tea time", "https://example.com/?a=1&b=2")
	f.Add("<b>x</b>", "javascript:alert(1)")
	f.Fuzz(func(t *testing.T, text, link string) {
		rows := chatRows(text, link)
		if want, got := viaTemplate(t, tpl, "chat_rows", rows), string(rowsHTML(l, rows)); got != want {
			t.Errorf("differs:\n got %q\nwant %q", got, want)
		}
	})
}

// rowsHTML is the chat list's rows as writeChatRow writes them, for the
// markup tests to compare with the template they replaced.
func rowsHTML(l *i18n.Locale, rows []*chatRow) template.HTML {
	var b bytes.Buffer
	for _, row := range rows {
		writeChatRow(&b, l, row)
	}
	return template.HTML(b.String())
}

package follower

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/tmplmsg"
)

// chatMessages has a message of every kind the conversation shows, with
// the values a bot or a follower can put in them: markup, quotes, plus
// signs, non-ASCII, and links with other schemes.
func chatMessages() []*chatMsg {
	at := time.Date(2026, 12, 6, 3, 4, 5, 0, time.UTC)
	evil := `<script>alert("x")</script> & 'q' + 莲心`
	return []*chatMsg{
		{ID: 1, Kind: message.KindText, Mine: true, Body: message.Body{Text: evil}, CreatedAt: at, AvatarName: " mei"},
		{ID: 2, Kind: message.KindText, Body: message.Body{Text: "你好"}, CreatedAt: at, AvatarURL: "/a/1/avatar?v=2&x=\"y\""},
		{ID: 3, Kind: message.KindNotice, Body: message.Body{Text: "notice"}, CreatedAt: at},
		{ID: 4, Kind: message.KindImage, MediaURL: "/chat/1/media/4", CreatedAt: at, AvatarName: "莲心茶舍"},
		{ID: 5, Kind: message.KindImage, CreatedAt: at},
		{ID: 6, Kind: message.KindVoice, MediaURL: "/chat/1/media/6", CreatedAt: at},
		{ID: 7, Kind: message.KindVoice},
		{ID: 8, Kind: message.KindVideo, MediaURL: "/chat/1/media/8", ThumbURL: "/chat/1/media/8?thumb=1", Body: message.Body{Title: evil}, CreatedAt: at},
		{ID: 9, Kind: message.KindVideo, MediaURL: "/chat/1/media/9", CreatedAt: at},
		{ID: 10, Kind: message.KindVideo},
		{ID: 11, Kind: message.KindLocation, Body: message.Body{Label: evil}, MapURL: "https://www.openstreetmap.org/?mlat=31.230000&mlon=121.470000#map=16/31.230000/121.470000"},
		{ID: 12, Kind: message.KindNews, Body: message.Body{Articles: []message.Article{
			{Title: evil, Description: evil, URL: "javascript:alert(1)"},
			{Title: "two", URL: "https://example.com/a b?q=莲&x='1'+(2)"},
			{Title: "three", URL: "JavaScript:x", Description: ""},
			{Title: "four", URL: "mailto:a@b.c"},
		}}, CreatedAt: at},
		{ID: 13, Kind: message.KindPublication, Body: message.Body{Articles: []message.Article{
			{Title: evil, Description: evil, URL: "/s/abc", PicURL: "/media/1?w=2&h=3"},
			{Title: "second", Description: "not shown", URL: "/s/def", PicURL: "/media/2"},
		}}, CreatedAt: at},
		{ID: 14, Kind: message.KindPublication, Link: "/s/xyz", Body: message.Body{Title: evil, Description: evil}, CreatedAt: at},
		{ID: 15, Kind: message.KindPublication, Link: "/s/xyz", Body: message.Body{Title: "t"}, CreatedAt: at},
		{ID: 16, Kind: message.KindTemplate, Body: message.Body{Title: evil}, Link: "https://shop.example/o?id=1&k=2", Lines: []tmplmsg.Line{
			{Label: evil, Value: evil, Color: "#173177"}, {Value: "plain"}, {Label: "l", Value: "", Color: `"red"`},
		}, CreatedAt: at},
		{ID: 17, Kind: message.KindTemplate, Body: message.Body{Title: "no link"}},
		{ID: 18, Kind: message.KindLink, Link: "http://example.com/x", Preview: evil, Body: message.Body{Description: evil}, CreatedAt: at},
		{ID: 19, Kind: message.KindLink, Link: "data:text/html,<b>x</b>", Preview: "p"},
		{ID: 20, Kind: "music", Preview: evil, CreatedAt: at},
		{ID: 21, Kind: `k"ind`, Mine: true, Preview: ""},
	}
}

// TestChatMessageMarkup holds messageHTML to the bytes the html/template it
// replaced writes, for every kind of message, in English and Chinese.
func TestChatMessageMarkup(t *testing.T) {
	cat, err := i18n.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []i18n.Lang{i18n.English, "zh-CN"} {
		l := cat.Locale(lang)
		tpl := replacedTemplate(t, l, "chat_msg", map[string]string{"icon_location": iconLocation})
		for _, c := range chatMessages() {
			want := viaTemplate(t, tpl, "chat_msg", c)
			if got := string(messageHTML(l, c)); got != want {
				t.Errorf("%s: message %d (%s):\n got %q\nwant %q", lang, c.ID, c.Kind, got, want)
			}
		}
	}
	// What a person would notice: a bot's javascript: link cannot run.
	html := string(messageHTML(cat.Locale(i18n.English), chatMessages()[11]))
	if strings.Contains(strings.ToLower(html), "javascript:") || !strings.Contains(html, `href="#ZgotmplZ"`) {
		t.Errorf("a javascript: link was written as a link: %s", html)
	}
}

// TestIconLocationMatchesLayout keeps the location icon the same as the
// follower layout's icon_location partial.
func TestIconLocationMatchesLayout(t *testing.T) {
	src, err := os.ReadFile("../templates/layout/follower.html")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`\{\{define "icon_location"\}\}(.*?)\{\{end\}\}`).FindSubmatch(src)
	if m == nil || string(m[1]) != iconLocation {
		t.Errorf("icon_location in layout/follower.html differs from iconLocation")
	}
}

// FuzzChatMessageMarkup writes messages whose texts and links are arbitrary
// bytes both ways and fails when they differ.
func FuzzChatMessageMarkup(f *testing.F) {
	cat, err := i18n.Builtin()
	if err != nil {
		f.Fatal(err)
	}
	l := cat.Locale(i18n.English)
	tpl := replacedTemplate(f, l, "chat_msg", map[string]string{"icon_location": iconLocation})
	f.Add("text", "hello", "https://example.com/?a=1&b=2", "name")
	f.Add("news", "<b>x</b>", "javascript:alert(1)", "")
	f.Add("template", "a+b 'c'", "/s/x y", "莲")
	f.Add("publication", "\x00", "HTTP://x/%zz", "\xff")
	f.Fuzz(func(t *testing.T, kind, text, link, name string) {
		at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		arts := []message.Article{{Title: text, Description: text, URL: link, PicURL: link}, {Title: name, URL: link}}
		c := &chatMsg{ID: 42, Kind: kind, Mine: len(text)%2 == 0, CreatedAt: at, AvatarName: name, AvatarURL: link, MediaURL: link, ThumbURL: link, MapURL: link, Link: link, Preview: text,
			Body:  message.Body{Text: text, Title: text, Description: name, Label: text, Articles: arts},
			Lines: []tmplmsg.Line{{Label: name, Value: text, Color: name}}}
		if want, got := viaTemplate(t, tpl, "chat_msg", c), string(messageHTML(l, c)); got != want {
			t.Errorf("differs:\n got %q\nwant %q", got, want)
		}
	})
}

// TestChatMsgLeavesOutOnlyUnshownPreviews checks that a stored message of
// every kind, as setChatMsg prepares it for the page (without the preview
// where the bubble does not show one), is written as the template wrote
// it with the preview always made, in English and Chinese.
func TestChatMsgLeavesOutOnlyUnshownPreviews(t *testing.T) {
	cat, err := i18n.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 6, 3, 4, 5, 0, time.UTC)
	long := strings.Repeat("莲心 <b>tea</b> & 'x' + ", 8)
	var msgs []*message.Message
	for i, kind := range []string{message.KindText, message.KindNotice, message.KindImage, message.KindVoice, message.KindVideo,
		message.KindLocation, message.KindNews, message.KindPublication, message.KindTemplate, message.KindLink, message.KindMusic,
		message.KindProduct, message.KindReceipt, "unknown"} {
		msgs = append(msgs, &message.Message{ID: int64(i + 1), AccountID: 7, Kind: kind, Direction: []string{message.In, message.Out}[i%2], CreatedAt: at,
			Body: message.Body{Text: long, Title: long, Description: long, Label: long, URL: "https://example.com/x?y=" + kind, MediaKey: "k", Lat: 31.2, Lng: 121.4,
				Articles: []message.Article{{Title: long, Description: long, URL: "/s/abc"}}}})
	}
	for _, lang := range []i18n.Lang{i18n.English, "zh-CN"} {
		l := cat.Locale(lang)
		tpl := replacedTemplate(t, l, "chat_msg", map[string]string{"icon_location": iconLocation})
		for _, m := range msgs {
			var c chatMsg
			setChatMsg(&c, m)
			before := c
			before.Preview = m.Preview()
			if want, got := viaTemplate(t, tpl, "chat_msg", &before), messageHTML(l, &c); got != want {
				t.Errorf("%s: a %s message:\n got %q\nwant %q", lang, m.Kind, got, want)
			}
		}
	}
}

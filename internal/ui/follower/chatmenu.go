package follower

import (
	"bytes"

	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/ui/core"
)

// writeMenu writes the buttons of the menu bar (up to 3, each a button or a
// group of up to 5) as the conversation page shows them, in l's language,
// into the page's buffer. Like writeMsg it writes directly what an
// html/template range over the items did with some eight reflect calls per
// button: testdata/chat_menu.html is that template, and TestChatMenuMarkup
// checks that both write the same bytes.
func writeMenu(b *bytes.Buffer, l *i18n.Locale, items []menuItem) {
	for _, it := range items {
		if it.Kind == "group" {
			b.WriteString("<details class=\"menu-group\">\n      <summary translate=\"no\">")
			core.HTMLEscape(b, it.Name)
			b.WriteString("</summary>\n      <ul class=\"menu-pop\">")
			for _, sub := range it.Sub {
				b.WriteString("<li>")
				writeMenuItem(b, l, sub)
				b.WriteString("</li>")
			}
			b.WriteString("</ul>\n    </details>")
			continue
		}
		b.WriteString(`<div class="menu-single">`)
		writeMenuItem(b, l, it)
		b.WriteString(`</div>`)
	}
}

// writeMenuItem writes one button: a form posting its key, a link, or a
// button that does nothing on the web.
func writeMenuItem(b *bytes.Buffer, l *i18n.Locale, it menuItem) {
	switch it.Kind {
	case "click":
		b.WriteString(`<form method="post" action="`)
		core.URLAttr(b, it.Href)
		b.WriteString("\" class=\"inline menu-click\">\n  <input type=\"hidden\" name=\"key\" value=\"")
		core.HTMLEscape(b, it.Key)
		b.WriteString(`"><button type="submit" class="menu-button" translate="no">`)
		core.HTMLEscape(b, it.Name)
		b.WriteString("</button></form>\n")
	case "link":
		b.WriteString(`<a class="menu-button" href="`)
		core.URLAttr(b, it.Href)
		b.WriteString(`" translate="no">`)
		core.HTMLEscape(b, it.Name)
		b.WriteString("</a>\n")
	default:
		b.WriteString(`<span class="menu-button disabled" title="`)
		core.HTMLEscape(b, l.Text("Not available on the web"))
		b.WriteString(`" translate="no">`)
		core.HTMLEscape(b, it.Name)
		b.WriteString(`</span>`)
	}
}

package follower

import (
	"bytes"
	"strconv"

	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/ui/core"
)

// iconFolder and iconMore are the "icon_folder" and "icon_more" partials
// of the follower layout.
const (
	iconFolder = `<svg class="icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false"><rect x="4" y="3" width="16" height="18" rx="2" fill="none" stroke="currentColor" stroke-width="1.8"/><path d="M8 8h8M8 12h8M8 16h5" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/></svg>`
	iconMore   = `<svg class="icon" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false"><circle cx="5" cy="12" r="2" fill="currentColor"/><circle cx="12" cy="12" r="2" fill="currentColor"/><circle cx="19" cy="12" r="2" fill="currentColor"/></svg>`
)

// writeHomeContent writes the chat list's own part (inside the app's
// layout): its rows, or a greeting when there are none, and the follower
// script. Written by html/template it was the page's remaining template
// work; testdata/home_content.html is the template it replaced, and
// TestHomeContentMarkup holds the two to the same bytes.
func (u *UI) writeHomeContent(b *bytes.Buffer, p *core.Page, d *chatListData) {
	b.WriteString("\n")
	if d != nil {
		b.WriteString(`<section class="chatlist" data-testid="chatlist" data-live="chatlist">`)
		if len(d.Rows) > 0 {
			b.Grow(1600 * len(d.Rows))
			b.WriteString("\n  <ul class=\"rows\">\n  ")
			for _, row := range d.Rows {
				writeChatRow(b, p.L, row)
			}
			b.WriteString("\n  </ul>\n")
		} else {
			b.WriteString("\n  <div class=\"empty\">\n    <p>")
			core.HTMLEscape(b, p.L.T("Hello, %s. You follow no accounts yet.", p.Me.DisplayName))
			b.WriteString("</p>\n    <p><a class=\"button primary\" href=\"/discover\">")
			core.HTMLEscape(b, p.L.Text("Discover accounts"))
			b.WriteString("</a></p>\n  </div>\n")
		}
		b.WriteString("\n</section>")
	}
	b.WriteString("\n<script src=\"")
	core.URLAttr(b, u.Asset("follower.js"))
	b.WriteString("\" defer></script>\n")
}

// writeChatRow writes one row of the chat list: its avatar, name, badge,
// time, preview and unread count, and for an account its menu (mute,
// unfollow, profile). Written by html/template the rows were most of the
// chat list's template work (some twenty-five actions per row, most of
// them reflect calls); as writeGroups does for the folder, this writes the
// same markup directly. testdata/chat_rows.html is the template it
// replaced, and TestChatRowsMarkup checks that both write the same bytes.
func writeChatRow(b *bytes.Buffer, l *i18n.Locale, row *chatRow) {
	id := strconv.FormatInt(row.AccountID, 10)
	b.WriteString("\n    <li class=\"row")
	if row.Muted {
		b.WriteString(" muted-row")
	}
	b.WriteString(`" data-account="`)
	b.WriteString(id)
	b.WriteString(`"`)
	if row.LastID != 0 {
		b.WriteString(` data-last="`)
		b.WriteString(strconv.FormatInt(row.LastID, 10))
		b.WriteString(`"`)
	}
	b.WriteString(` data-testid="`)
	if row.Folder {
		b.WriteString("row-subscriptions")
	} else {
		b.WriteString("row-")
		b.WriteString(id)
	}
	b.WriteString("\">\n      <a class=\"row-main\" href=\"")
	core.URLAttr(b, row.Href)
	b.WriteString("\">\n        ")
	if row.Folder {
		b.WriteString(`<span class="avatar folder" aria-hidden="true">` + iconFolder + `</span>`)
	} else {
		b.WriteString(`<span class="avatar" aria-hidden="true">`)
		writeAvatar(b, row.AvatarURL, row.Name)
		b.WriteString(`</span>`)
	}
	b.WriteString("\n        <span class=\"row-text\">\n          <span class=\"row-top\"><strong class=\"row-name\" translate=\"no\">")
	core.HTMLEscape(b, row.Name)
	b.WriteString(`</strong>`)
	if row.Verified {
		writeVerified(b, l)
	}
	b.WriteString("\n            ")
	b.WriteString(string(core.TimeTag(row.At, "msg", "row-time muted")))
	b.WriteString("</span>\n          <span class=\"row-preview muted\" data-testid=\"preview\" translate=\"no\">")
	core.HTMLEscape(b, row.Preview)
	b.WriteString("</span>\n        </span>\n        ")
	if row.Unread != 0 {
		n := strconv.Itoa(row.Unread)
		if row.Muted {
			b.WriteString(`<span class="unread dot" title="`)
			core.HTMLEscape(b, l.T("%d unread", row.Unread))
			b.WriteString(`" data-testid="unread" data-count="`)
			b.WriteString(n)
			b.WriteString(`"></span>`)
		} else {
			b.WriteString(`<span class="unread" data-testid="unread" data-count="`)
			b.WriteString(n)
			b.WriteString(`">`)
			if row.Unread > 99 {
				b.WriteString("99+")
			} else {
				b.WriteString(n)
			}
			b.WriteString(`</span>`)
		}
	}
	b.WriteString("\n      </a>\n      ")
	if !row.Folder {
		b.WriteString("<details class=\"row-menu\">\n        <summary aria-label=\"")
		core.HTMLEscape(b, l.T("More for %s", row.Name))
		b.WriteString(`">` + iconMore + "</summary>\n        <div class=\"row-menu-list\">\n          <form method=\"post\" action=\"/a/")
		b.WriteString(id)
		b.WriteString(`/mute"><input type="hidden" name="next" value="/"><button type="submit" class="linkish" data-testid="mute">`)
		if row.Muted {
			core.HTMLEscape(b, l.Text("Unmute"))
		} else {
			core.HTMLEscape(b, l.Text("Mute"))
		}
		b.WriteString("</button></form>\n          <form method=\"post\" action=\"/a/")
		b.WriteString(id)
		b.WriteString(`/unfollow" data-confirm="`)
		core.HTMLEscape(b, l.T("Unfollow %s?", row.Name))
		b.WriteString(`"><input type="hidden" name="next" value="/"><button type="submit" class="linkish">`)
		core.HTMLEscape(b, l.Text("Unfollow"))
		b.WriteString("</button></form>\n          <a href=\"/a/")
		b.WriteString(id)
		b.WriteString(`">`)
		core.HTMLEscape(b, l.Text("Profile"))
		b.WriteString("</a>\n        </div>\n      </details>")
	}
	b.WriteString("\n    </li>\n  ")
}

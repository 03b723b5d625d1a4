package follower

import (
	"bytes"
	"strconv"

	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/ui/core"
)

// iconVerified is the "icon_verified" partial of the follower layout.
const iconVerified = `<svg class="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><circle cx="12" cy="12" r="10" fill="currentColor"/><path d="m7.5 12.3 3 3 6-6.3" fill="none" stroke="#fff" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/></svg>`

// writeGroups writes the Subscriptions folder's groups (an account's
// header and its publications, the rest folded) as the page shows them, in
// l's language. Written by html/template they were most of the page's
// template work (some twelve reflect calls per publication and twenty per
// account); as writeMsg does for messages, this writes the same markup
// directly. testdata/folder_groups.html is the template it replaced, and
// TestFolderGroupsMarkup checks that both write the same bytes.
func writeGroups(b *bytes.Buffer, l *i18n.Locale, groups []*folderGroup) {
	b.Grow(1200 * len(groups))
	for _, g := range groups {
		id := strconv.FormatInt(g.AccountID, 10)
		b.WriteString("\n  <article class=\"card folder-group\" data-testid=\"folder-group\" data-account=\"")
		b.WriteString(id)
		b.WriteString("\">\n    <header class=\"folder-head\">\n      <a href=\"/a/")
		b.WriteString(id)
		b.WriteString(`" class="folder-account"><span class="avatar" aria-hidden="true">`)
		writeAvatar(b, g.AvatarURL, g.Name)
		b.WriteString(`</span> <strong translate="no">`)
		core.HTMLEscape(b, g.Name)
		b.WriteString(`</strong>`)
		if g.Verified {
			writeVerified(b, l)
		}
		b.WriteString("</a>\n      ")
		b.WriteString(string(core.TimeTag(g.At, "msg", "muted")))
		b.WriteString("\n    </header>\n    <ul class=\"articles\">")
		for i := range g.Items {
			writeFolderItem(b, l, &g.Items[i])
		}
		b.WriteString("</ul>\n    ")
		if len(g.More) > 0 {
			b.WriteString("<details class=\"folder-more\">\n      <summary>")
			core.HTMLEscape(b, l.T("%d more from %s", len(g.More), g.Name))
			b.WriteString("</summary>\n      <ul class=\"articles\">")
			for i := range g.More {
				writeFolderItem(b, l, &g.More[i])
			}
			b.WriteString("</ul>\n    </details>")
		}
		b.WriteString("\n  </article>\n  ")
	}
}

// writeFolderItem writes one publication of the folder: its first
// article's cover and title, whether it is new, its date and how many
// articles it has.
func writeFolderItem(b *bytes.Buffer, l *i18n.Locale, it *core.FolderItem) {
	b.WriteString(`<li class="`)
	if !it.Seen {
		b.WriteString("unseen")
	}
	b.WriteString("\" data-testid=\"folder-item\">\n  <a href=\"/s/")
	b.WriteString(strconv.FormatInt(it.ArticleID, 10))
	b.WriteString(`">`)
	if it.CoverURL != "" {
		b.WriteString(`<img class="cover" src="`)
		core.URLAttr(b, it.CoverURL)
		b.WriteString(`" alt="">`)
	}
	b.WriteString(`<span class="title" translate="no">`)
	core.HTMLEscape(b, it.Title)
	b.WriteString("</span></a>\n  <small>")
	if !it.Seen {
		b.WriteString(`<span class="new" data-testid="unseen">`)
		core.HTMLEscape(b, l.Text("New"))
		b.WriteString(`</span> · `)
	}
	core.HTMLEscape(b, it.At.Format("2006-01-02"))
	if it.Articles > 1 {
		b.WriteString(" · ")
		core.HTMLEscape(b, l.T("%d articles", it.Articles))
	}
	b.WriteString("</small>\n</li>")
}

// writeFolderContent writes the Subscriptions folder's own part (inside
// the app's layout): the conversations with Subscription accounts, the
// groups and the link to older publications. Written by html/template it
// was the page's remaining template work; testdata/folder_content.html is
// the template it replaced, and TestFolderContentMarkup holds the two to
// the same bytes.
func writeFolderContent(b *bytes.Buffer, l *i18n.Locale, d *folderData) {
	b.WriteString("\n")
	if d == nil {
		b.WriteString("\n")
		return
	}
	b.WriteString("\n")
	if len(d.Chats) > 0 {
		b.WriteString("<section class=\"folder-chats\" data-testid=\"folder-chats\">\n  <h2 class=\"section-title\">")
		core.HTMLEscape(b, l.Text("Messages"))
		b.WriteString("</h2>\n  <ul class=\"rows\">")
		for _, c := range d.Chats {
			b.WriteString(`<li class="row" data-testid="folder-chat-`)
			b.WriteString(strconv.FormatInt(c.AccountID, 10))
			b.WriteString("\">\n    <a class=\"row-main\" href=\"")
			core.URLAttr(b, c.Href)
			b.WriteString(`"><span class="avatar" aria-hidden="true">`)
			writeAvatar(b, c.AvatarURL, c.Name)
			b.WriteString("</span>\n      <span class=\"row-text\">\n        <span class=\"row-top\"><strong class=\"row-name\" translate=\"no\">")
			core.HTMLEscape(b, c.Name)
			b.WriteString(`</strong>`)
			if c.Verified {
				writeVerified(b, l)
			}
			b.WriteString("\n          ")
			b.WriteString(string(core.TimeTag(c.At, "msg", "row-time muted")))
			b.WriteString("</span>\n        <span class=\"row-preview muted\" translate=\"no\">")
			core.HTMLEscape(b, c.Preview)
			b.WriteString("</span>\n      </span>\n      ")
			if c.Unread != 0 {
				n := strconv.Itoa(c.Unread)
				b.WriteString(`<span class="unread" data-testid="unread" data-count="`)
				b.WriteString(n)
				b.WriteString(`">`)
				b.WriteString(n)
				b.WriteString(`</span>`)
			}
			b.WriteString("\n    </a></li>")
		}
		b.WriteString("\n  </ul>\n</section>")
	}
	b.WriteString("\n<section class=\"folder\" data-testid=\"folder\">\n")
	if len(d.Groups) > 0 {
		b.WriteString("\n  ")
		writeGroups(b, l, d.Groups)
		b.WriteString("\n  ")
		if d.Next != "" {
			b.WriteString(`<p class="older"><a href="/subscriptions?after=`)
			core.WriteURLPart(b, d.Next)
			b.WriteString(`">`)
			core.HTMLEscape(b, l.Text("Older publications"))
			b.WriteString(`</a></p>`)
		}
		b.WriteString("\n")
	} else {
		b.WriteString("\n  <p class=\"empty\">")
		if d.Available {
			core.HTMLEscape(b, l.Text("The accounts you follow have not published anything yet."))
		} else {
			core.HTMLEscape(b, l.Text("Publications will appear here."))
		}
		b.WriteString("</p>\n")
	}
	b.WriteString("\n</section>\n\n")
}

// writeVerified writes the verified badge after an account's name: the
// icon, with its label as the tooltip and for screen readers.
func writeVerified[W core.TextWriter](b W, l *i18n.Locale) {
	verified := l.Text("Verified")
	b.WriteString(` <span class="verified" title="`)
	core.HTMLEscape(b, verified)
	b.WriteString(`">` + iconVerified + `<span class="sr-only">`)
	core.HTMLEscape(b, verified)
	b.WriteString(`</span></span>`)
}

package follower

import (
	"html/template"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/ui/core"
)

// iconVerified is the "icon_verified" partial of the follower layout.
const iconVerified = `<svg class="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><circle cx="12" cy="12" r="10" fill="currentColor"/><path d="m7.5 12.3 3 3 6-6.3" fill="none" stroke="#fff" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/></svg>`

// groupsHTML is the Subscriptions folder's groups (an account's header and
// its publications, the rest folded) as the page shows them, in l's
// language. Written by html/template they were most of the page's template
// work (some twelve reflect calls per publication and twenty per account);
// as writeMsg does for messages, this writes the same markup directly.
// testdata/folder_groups.html is the template it replaced, and
// TestFolderGroupsMarkup checks that both write the same bytes.
func groupsHTML(l *i18n.Locale, groups []*folderGroup) template.HTML {
	if len(groups) == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(1200 * len(groups))
	for _, g := range groups {
		id := strconv.FormatInt(g.AccountID, 10)
		b.WriteString("\n  <article class=\"card folder-group\" data-testid=\"folder-group\" data-account=\"")
		b.WriteString(id)
		b.WriteString("\">\n    <header class=\"folder-head\">\n      <a href=\"/a/")
		b.WriteString(id)
		b.WriteString(`" class="folder-account"><span class="avatar" aria-hidden="true">`)
		writeAvatar(&b, g.AvatarURL, g.Name)
		b.WriteString(`</span> <strong translate="no">`)
		core.HTMLEscape(&b, g.Name)
		b.WriteString(`</strong>`)
		if g.Verified {
			verified := l.Text("Verified")
			b.WriteString(` <span class="verified" title="`)
			core.HTMLEscape(&b, verified)
			b.WriteString(`">` + iconVerified + `<span class="sr-only">`)
			core.HTMLEscape(&b, verified)
			b.WriteString(`</span></span>`)
		}
		b.WriteString("</a>\n      ")
		b.WriteString(string(core.TimeTag(g.At, "msg", "muted")))
		b.WriteString("\n    </header>\n    <ul class=\"articles\">")
		for i := range g.Items {
			writeFolderItem(&b, l, &g.Items[i])
		}
		b.WriteString("</ul>\n    ")
		if len(g.More) > 0 {
			b.WriteString("<details class=\"folder-more\">\n      <summary>")
			core.HTMLEscape(&b, l.T("%d more from %s", len(g.More), g.Name))
			b.WriteString("</summary>\n      <ul class=\"articles\">")
			for i := range g.More {
				writeFolderItem(&b, l, &g.More[i])
			}
			b.WriteString("</ul>\n    </details>")
		}
		b.WriteString("\n  </article>\n  ")
	}
	return template.HTML(b.String())
}

// writeFolderItem writes one publication of the folder: its first
// article's cover and title, whether it is new, its date and how many
// articles it has.
func writeFolderItem(b *strings.Builder, l *i18n.Locale, it *core.FolderItem) {
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

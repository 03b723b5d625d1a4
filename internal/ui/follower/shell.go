package follower

import (
	"bytes"
	"html/template"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/ui/core"
)

// backIcon is the "back_icon" partial of the follower layout.
const backIcon = `<svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false"><path d="M15 4.5 7.5 12l7.5 7.5" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/></svg>`

// The follower's four busiest pages (the chat list, the reading page, the
// conversation and the Subscriptions folder) are written with the app's
// layout in Go (core.AppPage); these are the parts each page's template
// defined as blocks of that layout, which testdata/layout_<page>.html
// keeps and TestAppLayoutMarkup holds them to.
func (u *UI) registerShells() {
	for page, shell := range u.shells() {
		u.AppPage(page, shell)
	}
}

// shells are the pages written with the app's layout in Go, and their
// parts.
func (u *UI) shells() map[string]func(p *core.Page) core.AppShell {
	return map[string]func(p *core.Page) core.AppShell{
		"app/home": func(p *core.Page) core.AppShell {
			s := homeShell(p)
			// The chat list's own part is written in Go too (without data,
			// as the template wrote it: the script alone).
			d, _ := p.Data.(*chatListData)
			s.Content = func(b *bytes.Buffer) error { u.writeHomeContent(b, p, d); return nil }
			return s
		},
		"app/article": func(p *core.Page) core.AppShell {
			s := articleShell(p)
			// The article's own part is written in Go too.
			s.Content = func(b *bytes.Buffer) error { u.writeArticleContent(b, p, p.Data.(*core.ArticlePage)); return nil }
			return s
		},
		"app/chat": func(p *core.Page) core.AppShell {
			s := chatShell(p)
			// The conversation's own part is written in Go too.
			s.Content = func(b *bytes.Buffer) error { return u.writeChatContent(b, p, p.Data.(*chatData)) }
			return s
		},
		"app/subscriptions": func(p *core.Page) core.AppShell {
			// The folder's own part is written in Go too (without data, as
			// the template wrote it: nothing).
			d, _ := p.Data.(*folderData)
			return core.AppShell{Title: p.Title, Content: func(b *bytes.Buffer) error { writeFolderContent(b, p.L, d); return nil }}
		},
	}
}

// homeShell: the title counts the unread messages, "(3) Chats".
func homeShell(p *core.Page) core.AppShell {
	s := core.AppShell{Title: p.L.Text("Chats")}
	if d, ok := p.Data.(*chatListData); ok && d != nil && d.Unread != 0 {
		s.Title = "(" + strconv.Itoa(d.Unread) + ") " + s.Title
	}
	return s
}

// articleShell: the article's title (as written, never translated), the
// account's name as the heading, and a back arrow to the account (app.js
// goes back in the history instead when Herald opened the article). The
// parts are written into one string, cut in two.
func articleShell(p *core.Page) core.AppShell {
	d := p.Data.(*core.ArticlePage)
	var b strings.Builder
	b.Grow(len(d.Account.Name) + len(backIcon) + 160)
	b.WriteString(`<span translate="no">`)
	core.HTMLEscape(&b, d.Account.Name)
	b.WriteString(`</span>`)
	heading := b.Len()
	b.WriteString(`<a href="/a/`)
	b.WriteString(strconv.FormatInt(d.Account.ID, 10))
	b.WriteString(`" class="back" data-back data-testid="back" aria-label="`)
	core.HTMLEscape(&b, p.L.Text("Back"))
	b.WriteString(`">` + backIcon + `</a>`)
	parts := b.String()
	return core.AppShell{Title: d.Article.Title, Heading: template.HTML(parts[:heading]), TopbarStart: template.HTML(parts[heading:]), FullScreen: true}
}

// chatShell: the account's name (a link to its profile) and badge as the
// heading, a back arrow to the chat list, and the profile's icon. The
// parts are written into one string, cut in three.
func chatShell(p *core.Page) core.AppShell {
	a := p.Data.(*chatData).Account
	id := strconv.FormatInt(a.ID, 10)
	var b strings.Builder
	b.Grow(len(a.Name) + len(iconVerified) + len(backIcon) + len(iconMore) + 400)
	b.WriteString(`<a href="/a/`)
	b.WriteString(id)
	b.WriteString(`" class="topbar-link" translate="no">`)
	core.HTMLEscape(&b, a.Name)
	b.WriteString(`</a>`)
	if a.Verified {
		writeVerified(&b, p.L)
	}
	heading := b.Len()
	b.WriteString(`<a href="/" class="back" data-testid="back" aria-label="`)
	core.HTMLEscape(&b, p.L.Text("Back to chats"))
	b.WriteString(`">` + backIcon + `</a>`)
	start := b.Len()
	b.WriteString(`<a href="/a/`)
	b.WriteString(id)
	b.WriteString(`" class="topbar-icon" aria-label="`)
	core.HTMLEscape(&b, p.L.Text("Account profile"))
	b.WriteString(`" data-testid="profile-link">` + iconMore + `</a>`)
	parts := b.String()
	return core.AppShell{Title: p.Title, Heading: template.HTML(parts[:heading]), TopbarStart: template.HTML(parts[heading:start]),
		TopbarSide: template.HTML(parts[start:]), FullScreen: true}
}

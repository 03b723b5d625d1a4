package follower

import (
	"bytes"
	"strconv"

	"github.com/heraldoa/herald/internal/ui/core"
)

// iconLike and iconWow are the "icon_like" and "icon_wow" partials of the
// follower layout.
const (
	iconLike = `<svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false"><path d="M7 10v10H4a1 1 0 0 1-1-1v-8a1 1 0 0 1 1-1h3Zm0 0 4-7a2 2 0 0 1 2.9 2.2L13 9h5.6a2 2 0 0 1 2 2.4l-1.5 7A2 2 0 0 1 17.2 20H7" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/></svg>`
	iconWow  = `<svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false"><path d="M12 2.5 14 9l6.5 2-6.5 2-2 6.5-2-6.5-6.5-2L10 9l2-6.5ZM19 16l.8 2.2L22 19l-2.2.8L19 22l-.8-2.2L16 19l2.2-.8L19 16Z" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round"/></svg>`
)

// writeArticleContent writes the reading page's own part (inside the
// app's layout): the article, its siblings, reactions, share link and
// comments. Executed by html/template it was about a quarter of the
// page's handler; testdata/article_content.html is the template it
// replaced, and TestArticleContentMarkup holds the two to the same bytes.
// Each value is escaped as html/template escaped it in the same place:
// text and plain attributes with core.HTMLEscape, whole URL attributes
// with core.URLAttr, a value in a URL's query with core.WriteURLPart. The
// body is HTML sanitised when it was stored, written as it is.
func (u *UI) writeArticleContent(b *bytes.Buffer, p *core.Page, d *core.ArticlePage) {
	l := p.L
	a := d.Article
	id := strconv.FormatInt(a.ID, 10)
	b.WriteString("\n<article class=\"reader\" data-testid=\"article\">\n  ")
	if d.Preview {
		b.WriteString(`<p class="preview-note" data-testid="preview-note">`)
		core.HTMLEscape(b, l.Text("Preview — this article is not published yet. Only people with this link can see it."))
		b.WriteString(`</p>`)
	}
	b.WriteString("\n  <h1 class=\"reader-title\" data-testid=\"article-title\" translate=\"no\">")
	core.HTMLEscape(b, a.Title)
	b.WriteString("</h1>\n  <p class=\"reader-meta\">\n    ")
	if a.Author != "" {
		b.WriteString(`<span translate="no">`)
		core.HTMLEscape(b, a.Author)
		b.WriteString(`</span> · `)
	}
	b.WriteString(`<a href="/a/`)
	b.WriteString(strconv.FormatInt(d.Account.ID, 10))
	b.WriteString(`" class="reader-account" data-testid="article-account"><span class="account-name" translate="no">`)
	core.HTMLEscape(b, d.Account.Name)
	b.WriteString(`</span>`)
	if u.VerifiedNow(d.Account) {
		b.WriteString(` <span class="verified" title="`)
		core.HTMLEscape(b, l.Text("Verified by the platform"))
		b.WriteString(`" data-testid="badge">✓ `)
		core.HTMLEscape(b, l.Text("Verified"))
		b.WriteString(`</span>`)
	}
	b.WriteString("</a>\n    ")
	b.WriteString(string(core.TimeTag(d.Publication.PublishedAt, "date", "muted")))
	b.WriteString("\n  </p>\n  ")
	if d.Publication.Kind == "video" && d.Publication.VideoMediaID != "" {
		b.WriteString(`<video class="reader-video" controls preload="metadata" src="`)
		core.URLAttr(b, d.Publication.VideoURL())
		b.WriteString(`"></video>`)
	}
	b.WriteString("\n  <div class=\"reader-body\" data-testid=\"article-body\" translate=\"no\">")
	b.WriteString(string(d.Body))
	b.WriteString("</div>\n  ")
	if a.SourceURL != "" {
		b.WriteString(`<p><a href="`)
		core.URLAttr(b, a.SourceURL)
		b.WriteString(`" rel="nofollow noopener" target="_blank">`)
		core.HTMLEscape(b, l.Text("Read the original"))
		b.WriteString(`</a></p>`)
	}
	b.WriteString("\n\n  ")
	if len(d.Siblings) > 1 {
		in := l.Text("In this publication")
		b.WriteString(`<nav class="reader-siblings card" aria-label="`)
		core.HTMLEscape(b, in)
		b.WriteString("\">\n    <h2>")
		core.HTMLEscape(b, in)
		b.WriteString("</h2>\n    <ol translate=\"no\">")
		for _, s := range d.Siblings {
			b.WriteString(`<li>`)
			if s.ID == a.ID {
				b.WriteString(`<strong>`)
				core.HTMLEscape(b, s.Title)
				b.WriteString(`</strong>`)
			} else {
				b.WriteString(`<a href="/s/`)
				b.WriteString(strconv.FormatInt(s.ID, 10))
				if d.Preview {
					b.WriteString(`?k=`)
					core.WriteURLPart(b, d.Key)
				}
				b.WriteString(`">`)
				core.HTMLEscape(b, s.Title)
				b.WriteString(`</a>`)
			}
			b.WriteString(`</li>`)
		}
		b.WriteString("</ol>\n  </nav>")
	}
	b.WriteString("\n\n  ")
	if !d.Preview {
		u.writeArticleReactions(b, p, d, id)
		u.writeArticleComments(b, p, d, id)
		b.WriteString("\n  ")
	}
	b.WriteString("\n</article>\n")
}

// writeArticleReactions writes the reactions (forms for a signed-in
// reader, counts and a sign-in link otherwise) and the share link.
func (u *UI) writeArticleReactions(b *bytes.Buffer, p *core.Page, d *core.ArticlePage, id string) {
	l := p.L
	a := d.Article
	b.WriteString("\n  <section class=\"reactions\" id=\"reactions\" data-testid=\"reactions\">\n    ")
	if p.Me != nil {
		for _, r := range [2]struct {
			kind, icon, label string
			on                bool
			n                 int64
		}{{"like", iconLike, "Like", d.Liked, a.LikeCount}, {"wow", iconWow, "Wow", d.Wowed, a.WowCount}} {
			b.WriteString("\n    <form method=\"post\" action=\"/s/")
			b.WriteString(id)
			b.WriteString("/react\" class=\"inline react-form\">\n      <input type=\"hidden\" name=\"kind\" value=\"")
			b.WriteString(r.kind)
			b.WriteString(`"><input type="hidden" name="on" value="`)
			if r.on {
				b.WriteString("0\">\n      <button type=\"submit\" class=\"react on\" data-testid=\"")
			} else {
				b.WriteString("1\">\n      <button type=\"submit\" class=\"react\" data-testid=\"")
			}
			b.WriteString(r.kind)
			if r.on {
				b.WriteString(`" aria-pressed="true">`)
			} else {
				b.WriteString(`" aria-pressed="false">`)
			}
			b.WriteString(r.icon)
			b.WriteString(" ")
			core.HTMLEscape(b, l.Text(r.label))
			b.WriteString(` <span class="n" data-testid="`)
			b.WriteString(r.kind)
			b.WriteString(`-count">`)
			b.WriteString(strconv.FormatInt(r.n, 10))
			b.WriteString("</span></button>\n    </form>")
		}
		b.WriteString("\n    ")
	} else {
		b.WriteString("\n    <span class=\"react\">" + iconLike + ` <span class="sr-only">`)
		core.HTMLEscape(b, l.Text("Likes"))
		b.WriteString(`</span>`)
		b.WriteString(strconv.FormatInt(a.LikeCount, 10))
		b.WriteString(`</span> <span class="react">` + iconWow + ` <span class="sr-only">`)
		core.HTMLEscape(b, l.Text("Wows"))
		b.WriteString(`</span>`)
		b.WriteString(strconv.FormatInt(a.WowCount, 10))
		b.WriteString("</span>\n    <a href=\"/login?next=/s/")
		b.WriteString(id)
		b.WriteString(`">`)
		core.HTMLEscape(b, l.Text("Sign in to like"))
		b.WriteString("</a>\n    ")
	}
	b.WriteString("\n    <div class=\"share\">\n      <label>")
	core.HTMLEscape(b, l.Text("Share link"))
	b.WriteString(` <input type="text" readonly value="`)
	core.HTMLEscape(b, d.ShareURL)
	b.WriteString("\" data-testid=\"share-url\" class=\"share-url\"></label>\n      <button type=\"button\" class=\"copy-link\" data-copy=\"")
	core.HTMLEscape(b, d.ShareURL)
	b.WriteString(`" data-copied="`)
	core.HTMLEscape(b, l.Text("Copied"))
	b.WriteString(`" hidden>`)
	core.HTMLEscape(b, l.Text("Copy link"))
	b.WriteString("</button>\n    </div>\n  </section>\n\n")
}

// writeArticleComments writes the comments' section: the form or why
// there is none, and the comments with the account's replies.
func (u *UI) writeArticleComments(b *bytes.Buffer, p *core.Page, d *core.ArticlePage, id string) {
	l := p.L
	a := d.Article
	b.WriteString("  <section class=\"comments\" id=\"comments\" data-testid=\"comments\">\n    <h2>")
	core.HTMLEscape(b, l.Text("Comments"))
	b.WriteString(" ")
	if a.CommentCount != 0 {
		b.WriteString(`<span class="muted">(`)
		b.WriteString(strconv.FormatInt(a.CommentCount, 10))
		b.WriteString(`)</span>`)
	}
	b.WriteString("</h2>\n    ")
	if a.CommentsOpen {
		b.WriteString("\n      ")
		if d.CanComment {
			b.WriteString("\n      <form method=\"post\" action=\"/s/")
			b.WriteString(id)
			b.WriteString("/comments\" class=\"stack comment-form\" data-testid=\"comment-form\">\n        <label>")
			core.HTMLEscape(b, l.Text("Your comment"))
			b.WriteString(` <textarea name="body" maxlength="600" rows="3" required>`)
			core.HTMLEscape(b, d.Comment)
			b.WriteString("</textarea>\n        ")
			if e := p.Fields["body"]; e != "" {
				b.WriteString(`<span class="field-error">`)
				core.HTMLEscape(b, e)
				b.WriteString(`</span>`)
			}
			b.WriteString("</label>\n        <button type=\"submit\" class=\"primary\">")
			core.HTMLEscape(b, l.Text("Post comment"))
			b.WriteString("</button>\n      </form>\n      ")
		} else if d.CommentNote != "" {
			b.WriteString(`<p class="muted" data-testid="comment-note">`)
			if p.Me != nil {
				core.HTMLEscape(b, d.CommentNote)
			} else {
				b.WriteString(`<a href="/login?next=/s/`)
				b.WriteString(id)
				b.WriteString(`">`)
				core.HTMLEscape(b, l.Text("Sign in to comment."))
				b.WriteString(`</a>`)
			}
			b.WriteString(`</p>`)
		}
		b.WriteString("\n    ")
	} else {
		b.WriteString(`<p class="muted">`)
		core.HTMLEscape(b, l.Text("Comments are closed."))
		b.WriteString(`</p>`)
	}
	b.WriteString("\n    ")
	if len(d.Comments) > 0 {
		b.WriteString("<ul class=\"comment-list\">\n      ")
		for _, c := range d.Comments {
			if c.Featured {
				b.WriteString("<li class=\"comment featured\" data-testid=\"comment\">\n        <span class=\"badge ok\">")
				core.HTMLEscape(b, l.Text("Featured"))
				b.WriteString(`</span> `)
			} else {
				b.WriteString("<li class=\"comment\" data-testid=\"comment\">\n        ")
			}
			b.WriteString(`<strong translate="no">`)
			core.HTMLEscape(b, c.Author)
			b.WriteString(`</strong> <small class="inline muted">`)
			b.WriteString(string(core.TimeTag(c.CreatedAt, "msg", "")))
			b.WriteString("</small>\n        <p translate=\"no\">")
			core.HTMLEscape(b, c.Body)
			b.WriteString("</p>\n        ")
			if c.Reply != "" {
				b.WriteString(`<p class="comment-reply" translate="no"><strong>`)
				core.HTMLEscape(b, d.Account.Name)
				b.WriteString(`:</strong> `)
				core.HTMLEscape(b, c.Reply)
				b.WriteString(`</p>`)
			}
			b.WriteString("\n      </li>")
		}
		b.WriteString("\n    </ul>")
	} else if a.CommentsOpen {
		b.WriteString(`<p class="muted">`)
		core.HTMLEscape(b, l.Text("No comments yet."))
		b.WriteString(`</p>`)
	}
	b.WriteString("\n  </section>")
}

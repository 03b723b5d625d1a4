package follower

import (
	"bytes"
	"strconv"

	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/ui/core"
)

// The conversation page shows up to 50 messages. Written by html/template
// they were about 40% of the page's CPU: every action of the bubble is a
// reflect call, and so is every escaper html/template inserts. writeMsg
// writes the same markup directly, escaping each value as html/template
// does in its context: text and quoted attributes with htmlEscape, URL
// attributes with safeURL first. testdata/chat_msg.html is the template it
// replaced, and TestChatMessageMarkup (with FuzzChatMessageMarkup) checks
// that both write the same bytes for every kind of message.

// iconLocation is the "icon_location" partial of the follower layout.
const iconLocation = `<svg class="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path d="M12 21s-7-6.2-7-11.5a7 7 0 0 1 14 0C19 14.8 12 21 12 21Z" fill="none" stroke="currentColor" stroke-width="1.8"/><circle cx="12" cy="9.5" r="2.5" fill="currentColor"/></svg>`

// writeMsg writes one message of the conversation as the page shows it, in
// l's language, into the page's buffer.
func writeMsg(b *bytes.Buffer, l *i18n.Locale, c *chatMsg) {
	b.WriteString(`<li class="msg `)
	if c.Mine {
		b.WriteString("mine")
	} else {
		b.WriteString("theirs")
	}
	if c.Kind == message.KindNotice {
		b.WriteString(" system")
	}
	b.WriteString(`" data-id="`)
	b.WriteString(strconv.FormatInt(c.ID, 10))
	b.WriteString(`" data-kind="`)
	core.HTMLEscape(b, c.Kind)
	b.WriteString("\">\n  ")
	if c.Kind != message.KindNotice {
		b.WriteString(`<span class="avatar msg-avatar" aria-hidden="true" data-testid="msg-avatar">`)
		writeAvatar(b, c.AvatarURL, c.AvatarName)
		b.WriteString(`</span>`)
	}
	b.WriteString("\n  <div class=\"msg-body\">\n  <div class=\"bubble\" translate=\"no\">\n  ")
	writeBubble(b, l, c)
	b.WriteString("\n  </div>\n  ")
	b.WriteString(string(core.TimeTag(c.CreatedAt, "msg", "msg-time")))
	b.WriteString("\n  </div>\n</li>")
}

// writeBubble writes the inside of the message's bubble, by kind.
func writeBubble(b *bytes.Buffer, l *i18n.Locale, c *chatMsg) {
	switch {
	case c.Kind == message.KindText || c.Kind == message.KindNotice:
		b.WriteString(`<p class="text">`)
		core.HTMLEscape(b, c.Body.Text)
		b.WriteString("</p>\n  ")
	case c.Kind == message.KindImage, c.Kind == message.KindVoice, c.Kind == message.KindVideo:
		writeMedia(b, l, c)
		b.WriteString("\n  ")
	case c.Kind == message.KindLocation:
		b.WriteString(`<p class="text">` + iconLocation + ` `)
		core.HTMLEscape(b, c.Body.Label)
		b.WriteString(`</p><a href="`)
		core.URLAttr(b, c.MapURL)
		b.WriteString(`" rel="noopener noreferrer" target="_blank" translate="yes">`)
		core.HTMLEscape(b, l.Text("Open map"))
		b.WriteString("</a>\n  ")
	case c.Kind == message.KindNews:
		for _, a := range c.Body.Articles {
			b.WriteString(`<a class="card-link" href="`)
			core.URLAttr(b, a.URL)
			b.WriteString(`"><strong>`)
			core.HTMLEscape(b, a.Title)
			b.WriteString(`</strong>`)
			muted(b, a.Description)
			b.WriteString(`</a>`)
		}
		b.WriteString("\n  ")
	case c.Kind == message.KindPublication:
		writePublication(b, l, c)
		b.WriteString("\n  ")
	case c.Kind == message.KindTemplate:
		writeTemplateCard(b, l, c)
		b.WriteString("\n  ")
	case c.Link != "":
		b.WriteString(`<a class="card-link" href="`)
		core.URLAttr(b, c.Link)
		b.WriteString(`"><strong>`)
		core.HTMLEscape(b, c.Preview)
		b.WriteString(`</strong>`)
		muted(b, c.Body.Description)
		b.WriteString("</a>\n  ")
	default:
		b.WriteString(`<p class="text">`)
		core.HTMLEscape(b, c.Preview)
		b.WriteString(`</p>`)
	}
}

// muted writes a card's secondary line, when it has one.
func muted(b *bytes.Buffer, s string) {
	if s != "" {
		b.WriteString(`<span class="muted">`)
		core.HTMLEscape(b, s)
		b.WriteString(`</span>`)
	}
}

// writeMedia writes an image, voice or video message: the player, or the
// kind in brackets when its file is gone.
func writeMedia(b *bytes.Buffer, l *i18n.Locale, c *chatMsg) {
	name := "Image"
	switch c.Kind {
	case message.KindVoice:
		name = "Voice"
	case message.KindVideo:
		name = "Video"
	}
	if c.MediaURL == "" {
		b.WriteString("[")
		core.HTMLEscape(b, l.Text(name))
		b.WriteString("]")
		return
	}
	switch c.Kind {
	case message.KindImage:
		b.WriteString(`<a href="`)
		core.URLAttr(b, c.MediaURL)
		b.WriteString(`"><img src="`)
		core.URLAttr(b, c.MediaURL)
		b.WriteString(`" alt="`)
		core.HTMLEscape(b, l.Text(name))
		b.WriteString(`" loading="lazy"></a>`)
	case message.KindVoice:
		b.WriteString(`<audio class="voice" controls preload="metadata" src="`)
		core.URLAttr(b, c.MediaURL)
		b.WriteString(`" data-testid="voice"></audio>`)
	case message.KindVideo:
		b.WriteString(`<video class="video" controls preload="metadata" playsinline src="`)
		core.URLAttr(b, c.MediaURL)
		b.WriteString(`"`)
		if c.ThumbURL != "" {
			b.WriteString(` poster="`)
			core.URLAttr(b, c.ThumbURL)
			b.WriteString(`"`)
		}
		b.WriteString(` data-testid="video"></video>`)
		if c.Body.Title != "" {
			b.WriteString(`<p class="text">`)
			core.HTMLEscape(b, c.Body.Title)
			b.WriteString(`</p>`)
		}
	}
}

// writePublication writes a mass-sent publication: a card per article (the
// first with its cover and digest), or one card for an older message that
// kept only its first article's title.
func writePublication(b *bytes.Buffer, l *i18n.Locale, c *chatMsg) {
	if len(c.Body.Articles) == 0 {
		b.WriteString(`<a class="card-link article-card" href="`)
		core.URLAttr(b, c.Link)
		b.WriteString(`" data-testid="publication"><strong>`)
		core.HTMLEscape(b, c.Body.Title)
		b.WriteString(`</strong>`)
		muted(b, c.Body.Description)
		b.WriteString(`<span class="read-more" translate="yes">`)
		core.HTMLEscape(b, l.Text("Read"))
		b.WriteString(`</span></a>`)
		return
	}
	for i, a := range c.Body.Articles {
		b.WriteString(`<a class="card-link`)
		if i == 0 {
			b.WriteString(` article-card`)
		}
		b.WriteString(`" href="`)
		core.URLAttr(b, a.URL)
		b.WriteString(`" data-testid="publication">`)
		if i == 0 && a.PicURL != "" {
			b.WriteString(`<img class="cover-wide" src="`)
			core.URLAttr(b, a.PicURL)
			b.WriteString(`" alt="" loading="lazy">`)
		}
		b.WriteString(`<strong>`)
		core.HTMLEscape(b, a.Title)
		b.WriteString(`</strong>`)
		if i == 0 {
			muted(b, a.Description)
		}
		b.WriteString(`</a>`)
	}
	b.WriteString("\n    ")
}

// writeTemplateCard writes a template message: its title, its lines and
// the link to its details.
func writeTemplateCard(b *bytes.Buffer, l *i18n.Locale, c *chatMsg) {
	b.WriteString(`<div class="card-link tpl-card" data-testid="template-card"><strong>`)
	core.HTMLEscape(b, c.Body.Title)
	b.WriteString("</strong>\n    ")
	for _, ln := range c.Lines {
		b.WriteString(`<span class="tpl-line">`)
		if ln.Label != "" {
			b.WriteString(`<span class="tpl-label">`)
			core.HTMLEscape(b, ln.Label)
			b.WriteString(`: </span>`)
		}
		b.WriteString(`<span class="tpl-value"`)
		if ln.Color != "" {
			b.WriteString(` data-color="`)
			core.HTMLEscape(b, ln.Color)
			b.WriteString(`"`)
		}
		b.WriteString(`>`)
		core.HTMLEscape(b, ln.Value)
		b.WriteString(`</span></span>`)
	}
	b.WriteString("\n    ")
	if c.Link != "" {
		b.WriteString(`<a class="read-more" href="`)
		core.URLAttr(b, c.Link)
		b.WriteString(`" rel="noopener noreferrer" data-testid="template-link" translate="yes">`)
		core.HTMLEscape(b, l.Text("View details"))
		b.WriteString(`</a>`)
	}
	b.WriteString("</div>")
}

// writeAvatar writes what an avatar shows: the picture at url, or else
// the first character of name.
func writeAvatar[W core.TextWriter](b W, url, name string) {
	if url != "" {
		b.WriteString(`<img src="`)
		core.URLAttr(b, url)
		b.WriteString(`" alt="">`)
		return
	}
	core.HTMLEscape(b, core.Initial(name))
}

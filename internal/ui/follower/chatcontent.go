package follower

import (
	"bytes"
	"strconv"
	"sync"

	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/ui/core"
)

// iconDown and iconKeyboard are the "icon_down" and "icon_keyboard" partials
// of the follower layout.
const (
	iconDown     = `<svg class="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path d="M12 4v15m-6-6 6 6 6-6" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/></svg>`
	iconKeyboard = `<svg class="icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false"><rect x="2.5" y="5.5" width="19" height="13" rx="2" fill="none" stroke="currentColor" stroke-width="1.7"/><path d="M6 9.5h1m3 0h1m3 0h1m3 0h1M6 12.5h1m3 0h1m3 0h1m3 0h1M8 15.5h8" stroke="currentColor" stroke-width="1.7" stroke-linecap="round"/></svg>`
)

// chatTextKeys are the texts the conversation's script writes, given to it
// in the page's data-texts attribute.
var chatTextKeys = []string{"Image", "Open map", "View details", "Could not send. Try again.", "Record", "Stop and send",
	"Recording… %d s", "The microphone is not available. Choose a recorded file instead.", "Location unavailable"}

// chatTexts is the data-texts attribute's value in each language, escaped
// (core.Texts), written once per language.
var chatTexts sync.Map // i18n.Lang → string

func chatTextsAttr(l *i18n.Locale) string {
	if v, ok := chatTexts.Load(l.Lang); ok {
		return v.(string)
	}
	var b bytes.Buffer
	core.HTMLEscape(&b, core.Texts(l, chatTextKeys))
	v, _ := chatTexts.LoadOrStore(l.Lang, b.String())
	return v.(string)
}

// writeChatContent writes the conversation page's own part (inside the
// app's layout): the messages, and the composer or why there is none.
// Written by html/template it was most of the page's remaining template
// work; testdata/chat_content.html is the template it replaced, and
// TestChatContentMarkup holds the two to the same bytes.
func (u *UI) writeChatContent(b *bytes.Buffer, p *core.Page, d *chatData) error {
	l := p.L
	id := strconv.FormatInt(d.Account.ID, 10)
	b.WriteString("\n\n<section class=\"chat\" data-testid=\"chat\" data-live=\"chat\" data-after=\"")
	b.WriteString(strconv.FormatInt(d.LiveAfter, 10))
	b.WriteString(`" data-account="`)
	b.WriteString(id)
	b.WriteString(`" data-texts="`)
	b.WriteString(chatTextsAttr(l))
	b.WriteString("\">\n  ")
	if d.Older != 0 {
		b.WriteString(`<p class="older"><a href="/chat/`)
		b.WriteString(id)
		b.WriteString(`?before=`)
		b.WriteString(strconv.FormatInt(d.Older, 10))
		b.WriteString(`">`)
		core.HTMLEscape(b, l.Text("Earlier messages"))
		b.WriteString(`</a></p>`)
	}
	b.WriteString("\n  <ol class=\"messages\" data-testid=\"messages\" aria-live=\"polite\" data-account-name=\"")
	core.HTMLEscape(b, d.Account.Name)
	b.WriteString(`" data-account-avatar="`)
	core.HTMLEscape(b, d.AccountAvatar)
	b.WriteString(`" data-me-name="`)
	core.HTMLEscape(b, d.MeName)
	b.WriteString(`" data-me-avatar="`)
	core.HTMLEscape(b, d.MeAvatar)
	b.WriteString("\">\n    ")
	if len(d.msgs) > 0 {
		for i := range d.msgs {
			writeMsg(b, l, &d.msgs[i])
		}
	} else {
		b.WriteString(`<li class="empty" data-empty>`)
		core.HTMLEscape(b, l.T("No messages yet. Say hello to %s.", d.Account.Name))
		b.WriteString(`</li>`)
	}
	b.WriteString("\n  </ol>\n  <div id=\"latest\"></div>\n</section>\n<div class=\"composer\" data-testid=\"composer\">\n" +
		"<button type=\"button\" class=\"new-pill\" data-new-pill data-testid=\"new-messages\" hidden>")
	core.HTMLEscape(b, l.Text("New messages"))
	b.WriteString(" " + iconDown + "</button>\n")
	if d.CanSend {
		b.WriteString("\n  ")
		if len(d.Menu) > 0 {
			b.WriteString(`<nav class="menubar" aria-label="`)
			core.HTMLEscape(b, l.T("%s menu", d.Account.Name))
			b.WriteString(`" data-testid="menubar" data-input="menu" `)
			if d.Tab != "menu" {
				b.WriteString("hidden")
			}
			b.WriteString(">\n    <a class=\"input-switch\" href=\"/chat/")
			b.WriteString(id)
			write := l.Text("Write a message")
			b.WriteString(`?compose=text#compose" data-switch="keyboard" data-testid="to-keyboard" aria-label="`)
			core.HTMLEscape(b, write)
			b.WriteString(`" title="`)
			core.HTMLEscape(b, write)
			b.WriteString(`">` + iconKeyboard + "</a>\n    ")
			writeMenu(b, l, d.Menu)
			b.WriteString("\n  </nav>")
		}
		b.WriteString("\n  ")
		if d.keyboardAhead {
			if err := u.writeKeyboard(b, p, d.Account.ID, d.Tab, len(d.Menu) > 0); err != nil {
				return err
			}
		} else {
			s, err := u.Partial("app/chat", "chat_keyboard", p)
			if err != nil {
				return err
			}
			b.WriteString(s)
		}
		b.WriteString("\n")
	} else {
		b.WriteString("\n  <p class=\"muted notice\" data-testid=\"cannot-send\">")
		b.WriteString(string(core.Rich(d.Notice)))
		b.WriteString("</p>\n  ")
		if d.Following {
			b.WriteString("<div class=\"compose compose-text\" data-testid=\"composer-disabled\" aria-disabled=\"true\">\n" +
				"    <textarea rows=\"1\" disabled aria-label=\"")
			core.HTMLEscape(b, l.Text("Message (unavailable)"))
			b.WriteString(`" placeholder="`)
			core.HTMLEscape(b, l.Text("Messages cannot be sent"))
			b.WriteString("\"></textarea>\n    <button type=\"button\" class=\"primary\" disabled>")
			core.HTMLEscape(b, l.Text("Send (a chat message)"))
			b.WriteString("</button>\n  </div>")
		}
		b.WriteString("\n  ")
		if !d.Following && d.Account.Status == "active" {
			b.WriteString(`<form method="post" action="/a/`)
			b.WriteString(id)
			b.WriteString("/follow\" class=\"inline\">\n    <input type=\"hidden\" name=\"next\" value=\"/chat/")
			b.WriteString(id)
			b.WriteString(`"><button type="submit" class="primary">`)
			core.HTMLEscape(b, l.Text("Follow"))
			b.WriteString(`</button></form>`)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n</div>\n<template data-icons>" + iconLocation + "</template>\n<script src=\"")
	core.URLAttr(b, u.Asset("follower.js"))
	b.WriteString("\" defer></script>\n\n")
	return nil
}

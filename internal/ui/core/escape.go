package core

import "strings"

// The escapers of the pages written in Go (WriteAppPage, the follower's
// chat list, conversation and folder): each writes what html/template
// writes for the same value in the same place, which the markup tests
// hold them to.

// HTMLEscape writes s escaped as html/template escapes a string in HTML
// text, in a quoted attribute or in a title: the five characters of HTML
// and '+' as references, NUL as U+FFFD, every other byte as it is.
func HTMLEscape[W TextWriter](b W, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var r string
		switch s[i] {
		case 0:
			r = "\uFFFD"
		case '"':
			r = "&#34;"
		case '&':
			r = "&amp;"
		case '\'':
			r = "&#39;"
		case '+':
			r = "&#43;"
		case '<':
			r = "&lt;"
		case '>':
			r = "&gt;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(r)
		last = i + 1
	}
	b.WriteString(s[last:])
}

// URLAttr writes a URL as the whole value of a quoted URL attribute (href,
// src, poster) as html/template does: a scheme other than http, https or
// mailto becomes "#ZgotmplZ" (so javascript: links in a bot's news cannot
// run), bytes outside a URL's own characters are percent-encoded, and the
// result is escaped for the attribute.
func URLAttr[W TextWriter](b W, s string) {
	if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") &&
		!strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
		b.WriteString("#ZgotmplZ")
		return
	}
	const hex = "0123456789abcdef"
	var n strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			continue
		case strings.IndexByte("!#$&*+,/:;=?@[]-._~", c) >= 0:
			continue
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			continue // a valid escape stays (as in html/template, not when it ends the URL)
		}
		if n.Len() == 0 {
			n.Grow(len(s) + 16)
		}
		n.WriteString(s[written:i])
		n.WriteByte('%')
		n.WriteByte(hex[c>>4])
		n.WriteByte(hex[c&15])
		written = i + 1
	}
	if written == 0 {
		HTMLEscape(b, s)
		return
	}
	n.WriteString(s[written:])
	HTMLEscape(b, n.String())
}

// TextWriter is where the pages written in Go write: a strings.Builder,
// or the page's bytes.Buffer.
type TextWriter interface {
	WriteString(s string) (int, error)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

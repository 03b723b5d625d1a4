package publish

import (
	"bytes"
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
)

// Body formats.
const (
	FormatMarkdown = "markdown"
	FormatHTML     = "html"
)

var (
	mdOnce sync.Once
	md     goldmark.Markdown
	policy *bluemonday.Policy
)

func renderers() (goldmark.Markdown, *bluemonday.Policy) {
	mdOnce.Do(func() {
		// Raw HTML inside Markdown is kept here and removed or cleaned by the
		// sanitiser below, which is the only gate to the reader.
		md = goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(html.WithUnsafe()))
		policy = newPolicy()
	})
	return md, policy
}

// mediaSrc matches the only images an article may show: the account's own
// media library (its plain or unguessable address), or an article image uploaded through the developer API's
// media/uploadimg (as on WeChat, where external images are filtered out).
var mediaSrc = regexp.MustCompile(`^(/media/M[0-9a-z]+(-[0-9a-z]+)?|/cgi-bin/media/pic\?media_id=[A-Za-z0-9_-]+)$`)

// newPolicy is the allow-list of elements and attributes an article keeps.
// Nothing executable survives: no script, style, iframe, event handler,
// form or javascript: URL.
func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowStandardURLs()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowElements("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
		"em", "strong", "b", "i", "u", "s", "del", "ins", "sub", "sup", "small", "mark", "span", "div",
		"ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
		"figure", "figcaption")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("title").OnElements("a", "img", "abbr")
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.AllowAttrs("src").Matching(mediaSrc).OnElements("img")
	p.AllowAttrs("alt").OnElements("img")
	p.AllowAttrs("width", "height").Matching(bluemonday.Integer).OnElements("img")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|right|center)$`)).OnElements("th", "td")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("checked", "disabled").Matching(regexp.MustCompile(`^$|^(checked|disabled)$`)).OnElements("input")
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^checkbox$`)).OnElements("input")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[a-zA-Z0-9_+-]+$`)).OnElements("code")
	return p
}

// RenderBody turns an article body (Markdown or pasted HTML) into the
// sanitised HTML that readers get.
func RenderBody(format, source string) (string, error) {
	m, p := renderers()
	if format == FormatHTML {
		return strings.TrimSpace(p.Sanitize(source)), nil
	}
	var buf bytes.Buffer
	if err := m.Convert([]byte(source), &buf); err != nil {
		return "", err
	}
	return strings.TrimSpace(p.Sanitize(buf.String())), nil
}

// plainText strips tags from sanitised HTML, for default digests.
func plainText(h string) string {
	s := bluemonday.StrictPolicy().Sanitize(h)
	s = strings.NewReplacer("&#39;", "'", "&#34;", `"`, "&amp;", "&", "&lt;", "<", "&gt;", ">", "&nbsp;", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// This file holds what the developer API's draft/* and freepublish/* need
// beyond the console's calls; the objects are the same.

// PlainText strips tags from sanitised HTML.
func PlainText(h string) string { return plainText(h) }

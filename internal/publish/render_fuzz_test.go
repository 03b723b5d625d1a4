package publish_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/publish"
)

var (
	allowedTag = regexp.MustCompile(`^(p|br|hr|h[1-6]|blockquote|pre|code|em|strong|b|i|u|s|del|ins|sub|sup|small|mark|span|div|ul|ol|li|dl|dt|dd|table|thead|tbody|tfoot|tr|th|td|caption|figure|figcaption|a|img|input|abbr)$`)
	tagRe      = regexp.MustCompile(`<\s*/?\s*([a-zA-Z][a-zA-Z0-9]*)`)
	onAttr     = regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`)
	badURL     = regexp.MustCompile(`(?i)(href|src)\s*=\s*"\s*(javascript|data|vbscript):`)
)

// Whatever an editor types, the reader's HTML holds only allowed elements,
// no event handler attributes and no script or data URLs.
func FuzzRenderBody(f *testing.F) {
	for _, s := range []string{
		"# Title\n\nSome *text* and [a link](https://example.com).",
		`<p onclick="x()">hi</p><script>alert(1)</script>`,
		`<a href="javascript:alert(1)">x</a><img src="data:image/png;base64,AA" onerror="x">`,
		"[x](javascript:alert(1)) ![i](/media/Mabc)",
		`<svg><style>@import 'x'</style></svg><iframe src="https://e.x"></iframe>`,
		"<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
		"```js\ncode\n```\n| a | b |\n|---|---|\n| 1 | 2 |",
	} {
		f.Add("markdown", s)
		f.Add("html", s)
	}
	f.Fuzz(func(t *testing.T, format, src string) {
		if format != publish.FormatHTML {
			format = publish.FormatMarkdown
		}
		out, err := publish.RenderBody(format, src)
		if err != nil {
			return
		}
		for _, m := range tagRe.FindAllStringSubmatch(out, -1) {
			if !allowedTag.MatchString(strings.ToLower(m[1])) {
				t.Fatalf("element <%s> in %q", m[1], out)
			}
		}
		if onAttr.MatchString(out) {
			t.Fatalf("event handler attribute in %q", out)
		}
		if badURL.MatchString(out) {
			t.Fatalf("script or data URL in %q", out)
		}
	})
}

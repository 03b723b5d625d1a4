package web

import (
	"html/template"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
)

// foldValues are the values of the constant function "k" in the tests:
// every character html/template escapes, text it leaves alone, URLs safe
// and unsafe, invalid UTF-8.
var foldValues = map[string]string{
	"plain":   "Follow",
	"zh":      "关注公众号",
	"special": `<b title="x">Tom & Jerry's +1</b>` + "\x00",
	"bad":     "a\xffb\xc3",
	"path":    "/static/0123abcdef/follower.js",
	"scheme":  "javascript:alert(1)",
	"space":   "/a b?c=d&e",
	"json":    `{"Image":"图片","Recording… %d s":"正在录音… %d 秒"}`,
	"empty":   "",
}

// foldPage uses "k" in every kind of place a page has: text, quoted and
// unquoted attributes, URLs, RCDATA, script, style, event handlers, and
// a partial called in text and in an attribute.
const foldPage = `{{define "content"}}<title>{{k "special"}}</title>` +
	`{{range $n := .}}<p title="{{k $n}}" data-x='{{k $n}}' class={{k $n}}>{{k $n}}</p>{{end}}` +
	`{{range $n := .}}<a href="{{k $n}}" onclick="f({{k $n}})">x</a><img src="/i/{{k $n}}">{{end}}` +
	`<p>{{k "plain"}} {{k "zh"}} {{k "special"}} {{k "bad"}} {{k "empty"}}{{"lit<'>"}}</p>` +
	`<p title="{{k "plain"}}" aria-label="{{k "special"}}" data-j="{{k "json"}}" data-b="{{k "bad"}}">{{k "json"}}</p>` +
	`<a href="{{k "path"}}">1</a><a href="{{k "scheme"}}">2</a><a href="{{k "space"}}">3</a><a href="/x/{{k "path"}}">4</a>` +
	`<script src="{{k "path"}}"></script><link href="{{k "path"}}" rel="stylesheet">` +
	`<textarea>{{k "special"}}</textarea><input class={{k "plain"}} value={{k "special"}}>` +
	`<button onclick="go({{k "special"}})">{{k "special"}}</button>` +
	`<script>var s = {{k "special"}}, t = "{{k "zh"}}";</script><style>p { color: {{k "plain"}} }</style>` +
	`{{if .}}{{k "plain"}}{{else}}{{k "zh"}}{{end}}{{with .}}<i title="{{k "special"}}">{{k "bad"}}</i>{{end}}` +
	`{{template "part"}}<b title="{{template "part"}}">y</b>{{template "icon"}}{{template "inner" .}}{{end}}` +
	`{{define "part"}}{{k "special"}}|{{k "plain"}}{{end}}` +
	`{{define "icon"}}<svg>{{template "inner"}}{{k "zh"}}</svg>{{end}}{{define "inner"}}<path d="M1"/>{{end}}`

func foldTemplates(t *testing.T, calls *atomic.Int64) *Templates {
	t.Helper()
	k := func(key string) string { calls.Add(1); return foldValues[key] }
	fsys := fstest.MapFS{
		"t/layout/base.html": {Data: []byte(`{{define "layout_app"}}<!doctype html><html lang="{{k "zh"}}">{{template "content" .}}</html>{{end}}`)},
		"t/app/page.html":    {Data: []byte(foldPage)},
	}
	tpl, err := ParseTemplates(fsys, "t", template.FuncMap{"k": k})
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// Folding constant actions changes nothing in the output, in any kind of
// place, and leaves the runtime calls only where the escaping is not
// known here.
func TestFoldSameOutput(t *testing.T) {
	var plainCalls, foldedCalls atomic.Int64
	plain := foldTemplates(t, &plainCalls)
	folded := foldTemplates(t, &foldedCalls)
	folded.Constants(func(lang, name string, args []string) (string, bool) {
		if name != "k" || len(args) != 1 {
			return "", false
		}
		v, ok := foldValues[args[0]]
		return v, ok
	})
	var names []string
	for n := range foldValues {
		names = append(names, n)
	}
	for range 2 { // the first render builds the page, the second uses it
		want := render(t, plain, "app/page", names)
		got := render(t, folded, "app/page", names)
		if got != want {
			t.Fatalf("folded page differs:\n got %s\nwant %s", got, want)
		}
	}
	if !strings.Contains(render(t, plain, "app/page", names), "Tom &amp; Jerry&#39;s &#43;1") {
		t.Fatal("the test page does not show the escaped text")
	}
	// The plain page calls k for every action; the folded one only where
	// it sits in script, style, an unquoted attribute or a URL it cannot
	// vouch for (and for variables, none here).
	plainCalls.Store(0)
	foldedCalls.Store(0)
	if render(t, plain, "app/page", nil) != render(t, folded, "app/page", nil) {
		t.Fatal("folded page differs without data")
	}
	content := folded.pages["app/page"].built[""].tpl.Lookup("content").Tree.Root.String()
	if strings.Contains(content, `{{template "icon"}}`) || strings.Contains(content, `{{template "part"}}`) ||
		!strings.Contains(content, `<svg><path d="M1"/>关注公众号</svg>`) || !strings.Contains(content, `{{template "inner" .}}`) {
		t.Fatalf("calls of templates that are text were not replaced by their text (and only those):\n%s", content)
	}
	if p, f := plainCalls.Load(), foldedCalls.Load(); f != 10 || p != 32 {
		t.Fatalf("one render called k %d times folded and %d times plain, want 10 and 32", f, p)
	}
}

func TestHTMLReplaceMatchesEscaper(t *testing.T) {
	for _, s := range foldValues {
		var want strings.Builder
		template.Must(template.New("").Parse(`{{.}}`)).Execute(&want, s)
		if got := htmlReplace(s); got != want.String() {
			t.Errorf("htmlReplace(%q) = %q, html/template writes %q", s, got, want.String())
		}
	}
}

// A page whose escaping fails renders with the same error as without
// folding.
func TestFoldEscapeError(t *testing.T) {
	fsys := fstest.MapFS{
		"t/layout/base.html": {Data: []byte(`{{define "layout_app"}}<a href="{{template "content" .}}{{end}}`)},
		"t/app/page.html":    {Data: []byte(`{{define "content"}}x{{end}}`)},
	}
	for _, fold := range []bool{false, true} {
		tpl, err := ParseTemplates(fsys, "t", nil)
		if err != nil {
			t.Fatal(err)
		}
		if fold {
			tpl.Constants(func(lang, name string, args []string) (string, bool) { return "", false })
		}
		for range 2 {
			err := tpl.Render(httptest.NewRecorder(), 200, "app/page", nil)
			if err == nil || !strings.Contains(err.Error(), "non-text context") {
				t.Fatalf("fold %v: err = %v, want the escaper's", fold, err)
			}
		}
	}
}

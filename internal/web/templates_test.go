package web

import (
	"html/template"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

func testTemplates(t *testing.T, page string) (*Templates, error) {
	t.Helper()
	fsys := fstest.MapFS{
		"t/layout/base.html": {Data: []byte(`{{define "layout_app"}}<title>{{template "title" .}}</title>{{template "nav" .}}<main>{{template "content" .}}</main>{{end}}` +
			`{{define "nav"}}<nav>default nav</nav>{{end}}{{define "title"}}Herald{{end}}`)},
		"t/app/page.html":  {Data: []byte(page)},
		"t/app/other.html": {Data: []byte(`{{define "content"}}other {{shout .}}{{end}}`)},
	}
	return ParseTemplates(fsys, "t", template.FuncMap{"shout": strings.ToUpper})
}

func render(t *testing.T, tpl *Templates, name string, data any) string {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := tpl.Render(rec, 200, name, data); err != nil {
		t.Fatalf("render %s: %v", name, err)
	}
	return rec.Body.String()
}

// A page renders inside its face's layout with its own definitions taking
// the place of the layout's (an empty one does not), escaped for HTML, and
// pages do not see each other's definitions.
func TestTemplatesPageInLayout(t *testing.T) {
	tpl, err := testTemplates(t, `{{define "title"}}Chats{{end}}{{define "nav"}}{{end}}{{define "content"}}hello {{.}}{{end}}`)
	if err != nil {
		t.Fatal(err)
	}
	got := render(t, tpl, "app/page", "<b>mei</b>")
	want := `<title>Chats</title><nav>default nav</nav><main>hello &lt;b&gt;mei&lt;/b&gt;</main>`
	if got != want {
		t.Fatalf("page:\n got %s\nwant %s", got, want)
	}
	if got := render(t, tpl, "app/other", "x"); got != `<title>Herald</title><nav>default nav</nav><main>other X</main>` {
		t.Fatalf("other page: %s", got)
	}
	if !tpl.Has("app/page") || tpl.Has("app/missing") {
		t.Fatal("Has is wrong")
	}
	if err := tpl.Render(httptest.NewRecorder(), 200, "app/missing", nil); err == nil {
		t.Fatal("rendering a missing page succeeded")
	}
}

// A broken page stops the start, though pages are assembled on first use;
// in the emulator's build, which parses a file when it is first needed,
// the page's first render fails with the same error and the other pages
// still render.
func TestTemplatesParseErrorAtStart(t *testing.T) {
	for _, page := range []string{`{{define "content"}}{{nosuchfunc .}}{{end}}`, `{{define "content"}}{{if .}}{{end}}`} {
		tpl, err := testTemplates(t, page)
		if parseAtStart {
			if err == nil || !strings.Contains(err.Error(), "page.html") {
				t.Errorf("%s: err = %v, want a parse error naming page.html", page, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: the emulator's build parsed at start: %v", page, err)
		}
		for range 2 {
			if err := tpl.Render(httptest.NewRecorder(), 200, "app/page", "x"); err == nil || !strings.Contains(err.Error(), "page.html") {
				t.Errorf("%s: render err = %v, want a parse error naming page.html", page, err)
			}
		}
		if got := render(t, tpl, "app/other", "x"); !strings.Contains(got, "other X") {
			t.Errorf("the other page: %s", got)
		}
	}
}

// The first renders of a page may come at once.
func TestTemplatesFirstUseConcurrent(t *testing.T) {
	tpl, err := testTemplates(t, `{{define "content"}}hi {{.}}{{end}}`)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			rec := httptest.NewRecorder()
			if err := tpl.Render(rec, 200, "app/page", "x"); err != nil || !strings.Contains(rec.Body.String(), "<main>hi x</main>") {
				t.Errorf("render: %v %q", err, rec.Body.String())
			}
		})
	}
	wg.Wait()
}

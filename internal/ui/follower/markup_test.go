package follower

import (
	"bytes"
	"html/template"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/ui/core"
)

// The chat list's rows, the conversation's messages and menu bar and the
// folder's groups are written directly in Go; each replaced an
// html/template kept in testdata, and their markup tests hold the two to
// the same bytes. These helpers run those templates.

// replacedTemplate parses testdata/<name>.html with the page's template
// functions in l's language, and the partials it calls (name → markup).
func replacedTemplate(t testing.TB, l *i18n.Locale, name string, partials map[string]string) *template.Template {
	t.Helper()
	src, err := os.ReadFile("testdata/" + name + ".html")
	if err != nil {
		t.Fatal(err)
	}
	tpl := template.New("").Funcs(template.FuncMap{
		"t":       l.T,
		"initial": core.Initial,
		"date":    func(t time.Time) string { return t.Format("2006-01-02") },
		"when": func(tm time.Time, format string, class ...string) template.HTML {
			return core.TimeTag(tm, format, strings.Join(class, " "))
		},
	})
	for p, markup := range partials {
		template.Must(tpl.Parse(`{{define "` + p + `"}}` + markup + `{{end}}`))
	}
	return template.Must(tpl.Parse(string(src)))
}

// viaTemplate runs the template name (one of replacedTemplate's) on data.
func viaTemplate(t testing.TB, tpl *template.Template, name string, data any) string {
	t.Helper()
	var b bytes.Buffer
	if err := tpl.ExecuteTemplate(&b, name, data); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// messageHTML is one message written on its own, as the page writes it.
func messageHTML(l *i18n.Locale, c *chatMsg) string {
	var b bytes.Buffer
	writeMsg(&b, l, c)
	return b.String()
}

// menuHTML is a menu bar's buttons written on their own, as the page
// writes them.
func menuHTML(l *i18n.Locale, items []menuItem) string {
	var b bytes.Buffer
	writeMenu(&b, l, items)
	return b.String()
}

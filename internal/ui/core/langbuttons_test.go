package core

import (
	"bytes"
	"html/template"
	"testing"

	"github.com/heraldoa/herald/internal/i18n"
)

// langButtonsTemplate is the range the layout's language switcher had
// before LangButtons wrote its buttons.
const langButtonsTemplate = `{{range langs}}<button type="submit" name="lang" value="{{.}}" lang="{{.}}" translate="no" class="linkish"{{if eq . $.Lang}} aria-current="true"{{end}}>{{.Name}}</button>{{end}}`

// TestLangButtons checks that LangButtons writes the switcher's buttons
// as the template did, on a page in every language: each language once,
// the page's marked current.
func TestLangButtons(t *testing.T) {
	tpl := template.Must(template.New("").Funcs(template.FuncMap{"langs": func() []i18n.Lang { return i18n.Langs }}).Parse(langButtonsTemplate))
	for _, lang := range i18n.Langs {
		var want bytes.Buffer
		if err := tpl.Execute(&want, &Page{Lang: lang}); err != nil {
			t.Fatal(err)
		}
		if got := string(LangButtons(lang)); got != want.String() {
			t.Errorf("%s:\n got %q\nwant %q", lang, got, want.String())
		}
	}
}

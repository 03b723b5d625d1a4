package tmplmsg_test

import (
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/tmplmsg"
)

// Template content and data come from tenants and developers: rendering
// never panics, and a value appears only where its placeholder was.
func FuzzRender(f *testing.F) {
	f.Add("{{first.DATA}}\nOrder: {{keyword1.DATA}}\n{{remark.DATA}}", "first", "hello")
	f.Add("{{a.DATA}}{{a.DATA}}{{", "a", "{{a.DATA}}")
	f.Add("", "x", "")
	f.Fuzz(func(t *testing.T, content, key, value string) {
		lines := tmplmsg.Render(content, map[string]tmplmsg.DataItem{key: {Value: value, Color: "#173177"}})
		if value != "" && !strings.Contains(content, "{{") {
			for _, l := range lines {
				if strings.Contains(l.Value, value) && !strings.Contains(content, value) {
					t.Fatalf("value %q appeared without a placeholder: %+v", value, lines)
				}
			}
		}
	})
}

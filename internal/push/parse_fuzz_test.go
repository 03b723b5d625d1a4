package push_test

import (
	"testing"

	"github.com/heraldoa/herald/internal/push"
)

// The API IP allowlist as typed in the console: what parses is a list of
// valid prefixes.
func FuzzParseAllowlist(f *testing.F) {
	for _, s := range []string{"1.2.3.4\n10.0.0.0/8", "::1, 2001:db8::/32", "1.2.3.4/33", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		list, err := push.ParseAllowlist(s)
		if err != nil {
			return
		}
		for _, p := range list {
			if !p.IsValid() {
				t.Fatalf("%q gave an invalid prefix %v", s, p)
			}
		}
	})
}

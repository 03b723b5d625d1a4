package outbound_test

import (
	"testing"

	"github.com/heraldoa/herald/internal/outbound"
)

// Operator ranges (--outbound-allow, --trusted-proxies): what parses is
// valid and masked.
func FuzzParseAllow(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8, 192.168.1.1", "::ffff:10.0.0.0/104", "fd00::/8 127.0.0.1", "1.2.3.4/40", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		list, err := outbound.ParseAllow(s)
		if err != nil {
			return
		}
		for _, p := range list {
			if !p.IsValid() || p != p.Masked() {
				t.Fatalf("%q gave %v", s, p)
			}
		}
	})
}

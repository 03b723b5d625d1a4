package pay_test

import (
	"testing"

	"github.com/heraldoa/herald/internal/pay"
)

// Amounts typed by people: accepted ones print back to the same value.
func FuzzParseFen(f *testing.F) {
	for _, s := range []string{"12", "12.5", "12.50", "1,234.56", "¥3", "-1", "0.001", "9999999999999999999", "", "1e3", " 7 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := pay.ParseFen(s, "amount")
		if err != nil {
			return
		}
		back, err := pay.ParseFen(pay.FormatFen(v), "amount")
		if err != nil || back != v {
			t.Fatalf("%q → %d → %q → %d (%v)", s, v, pay.FormatFen(v), back, err)
		}
	})
}

// A merchant's public key as pasted: parsed or refused, never a panic.
func FuzzParsePublicKey(f *testing.F) {
	f.Add("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n")
	f.Add("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")
	f.Add("not a key")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = pay.ParsePublicKey(s)
	})
}

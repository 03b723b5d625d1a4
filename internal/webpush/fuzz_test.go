package webpush_test

import (
	"testing"

	"github.com/heraldoa/herald/internal/webpush"
)

// FuzzParseSubscription: whatever a browser (or anyone) posts, the parser
// answers a subscription with an https (or loopback http) endpoint and keys
// of the right sizes, or an error; it never panics.
func FuzzParseSubscription(f *testing.F) {
	f.Add([]byte(`{"endpoint":"https://fcm.googleapis.com/fcm/send/abc","keys":{"p256dh":"BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM","auth":"tBHItJI5svbpez7KI4CCXg"}}`))
	f.Add([]byte(`{"endpoint":"http://127.0.0.1:9/x","keys":{"p256dh":"BAAA","auth":"AAAA"}}`))
	f.Add([]byte(`{"endpoint":"javascript:alert(1)"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := webpush.ParseSubscription(raw)
		if err != nil {
			return
		}
		if s.Endpoint == "" || len(s.Keys.Auth) != 22 || len(s.Keys.P256dh) != 87 {
			t.Fatalf("accepted %+v", s)
		}
		if _, err := webpush.ParseEndpoint([]byte(`{"endpoint":"` + s.Endpoint + `"}`)); err != nil && !containsQuote(s.Endpoint) {
			t.Fatalf("endpoint %q accepted for subscribing but not for unsubscribing: %v", s.Endpoint, err)
		}
	})
}

func containsQuote(s string) bool {
	for _, r := range s {
		if r == '"' || r == '\\' || r < 0x20 {
			return true
		}
	}
	return false
}

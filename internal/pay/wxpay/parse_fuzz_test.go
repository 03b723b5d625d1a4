package wxpay_test

import (
	"testing"

	"github.com/heraldoa/herald/internal/pay/wxpay"
)

// The merchant's Authorization header is outside input: any value parses
// or is refused, without panicking.
func FuzzParseAuth(f *testing.F) {
	f.Add(`WECHATPAY2-SHA256-RSA2048 mchid="1900000001",nonce_str="abc",signature="c2ln",timestamp="1700000000",serial_no="5157F09E"`)
	f.Add(`WECHATPAY2-SHA256-RSA2048 mchid="a,b",nonce_str=""`)
	f.Add(`Basic abc`)
	f.Add(``)
	f.Fuzz(func(t *testing.T, h string) {
		a, err := wxpay.ParseAuth(h)
		if err == nil && a == nil {
			t.Fatal("nil Auth without an error")
		}
	})
}

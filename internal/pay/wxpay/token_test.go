package wxpay_test

import (
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/pay"
	"github.com/heraldoa/herald/internal/pay/wxpay"
)

// FuzzParseBillToken: a download token from outside is either refused or
// one this secret signed; a forged or altered one never names a bill.
func FuzzParseBillToken(f *testing.F) {
	a := &wxpay.API{Keys: &pay.PlatformKeys{Secret: []byte("the boot secret")}}
	other := &wxpay.API{Keys: &pay.PlatformKeys{Secret: []byte("another secret")}}
	exp := time.Unix(1_800_000_000, 0)
	good := a.BillToken(387507771455963136, exp)
	f.Add(good)
	f.Add(other.BillToken(387507771455963136, exp))
	f.Add("")
	f.Add("A" + good)
	f.Add(good[:len(good)-1] + "A")
	f.Fuzz(func(t *testing.T, tok string) {
		id, at, ok := a.ParseBillToken(tok)
		if !ok {
			return
		}
		if id2, at2, ok := a.ParseBillToken(a.BillToken(id, at)); !ok || id2 != id || !at2.Equal(at) {
			t.Fatalf("token %q names bill %d until %v, which does not round-trip", tok, id, at)
		}
		if _, _, ok := other.ParseBillToken(tok); ok {
			t.Fatalf("token %q verifies under two secrets", tok)
		}
	})
}

func TestBillTokenRefusesForgeries(t *testing.T) {
	a := &wxpay.API{Keys: &pay.PlatformKeys{Secret: []byte("the boot secret")}}
	exp := time.Unix(1_800_000_000, 0)
	tok := a.BillToken(42, exp)
	if id, at, ok := a.ParseBillToken(tok); !ok || id != 42 || !at.Equal(exp) {
		t.Fatalf("own token: %d %v %v", id, at, ok)
	}
	other := &wxpay.API{Keys: &pay.PlatformKeys{Secret: []byte("another secret")}}
	for _, bad := range []string{other.BillToken(42, exp), a.BillToken(43, exp)[:20] + tok[20:], tok + "A", "", "%%%"} {
		if _, _, ok := a.ParseBillToken(bad); ok {
			t.Errorf("forged token %q accepted", bad)
		}
	}
}

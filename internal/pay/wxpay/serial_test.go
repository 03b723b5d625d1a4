package wxpay_test

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/pay"
	"github.com/heraldoa/herald/internal/pay/wxpay"
)

// opensslSerial is the serial as OpenSSL prints it (x509 -serial): the
// bytes of the certificate's serial INTEGER, read straight from the DER
// without math/big, two upper-case hex digits each, less the sign byte.
// When the openssl command is installed, its own output must agree.
func opensslSerial(t *testing.T, certPEM string) string {
	t.Helper()
	blk, _ := pem.Decode([]byte(certPEM))
	if blk == nil {
		t.Fatalf("not a PEM certificate: %q", certPEM)
	}
	var cert struct {
		TBS asn1.RawValue
	}
	if _, err := asn1.Unmarshal(blk.Bytes, &cert); err != nil {
		t.Fatal(err)
	}
	var tbs struct {
		Version int `asn1:"optional,explicit,default:0,tag:0"`
		Serial  asn1.RawValue
	}
	if _, err := asn1.Unmarshal(cert.TBS.FullBytes, &tbs); err != nil {
		t.Fatal(err)
	}
	b := tbs.Serial.Bytes
	if len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	want := fmt.Sprintf("%X", b)
	if bin, err := exec.LookPath("openssl"); err == nil {
		f := filepath.Join(t.TempDir(), "cert.pem")
		if err := os.WriteFile(f, []byte(certPEM), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bin, "x509", "-noout", "-serial", "-in", f).Output()
		if err != nil {
			t.Fatalf("openssl: %v", err)
		}
		if got := strings.TrimPrefix(strings.TrimSpace(string(out)), "serial="); got != want {
			t.Fatalf("openssl prints serial %s, the DER says %s", got, want)
		}
	}
	return want
}

func mustHex(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic(s)
	}
	return n
}

var evenHex = regexp.MustCompile(`^([0-9A-F]{2})+$`)

// TestPlatformSerialKeepsLeadingZero makes platform keys with several
// serials, three of whose first byte is below 0x10, and checks that the
// Wechatpay-Serial header of responses and notifications and the serial_no
// of /v3/certificates are OpenSSL's form of the certificate's serial —
// the name under which clients file the downloaded certificate.
func TestPlatformSerialKeepsLeadingZero(t *testing.T) {
	cases := []struct {
		name   string
		serial *big.Int // nil: the random serial a fresh install gets
		want   string
	}{
		{"first byte 0x0E", mustHex("0E9D915B0C1D2E3F405162738495A6B7"), "0E9D915B0C1D2E3F405162738495A6B7"},
		{"first byte 0x01", mustHex("01000000000000000000000000000000AB"), "01000000000000000000000000000000AB"},
		{"fifteen bytes, first 0x0A", mustHex("0A1B2C3D4E5F60718293A4B5C6D7E8"), "0A1B2C3D4E5F60718293A4B5C6D7E8"},
		{"random", nil, ""},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := apptest.New(t)
			if tc.serial != nil {
				s.App.PayAPI.Keys.NewSerial = func() (*big.Int, error) { return new(big.Int).Set(tc.serial), nil }
			}
			sh := newShop(t, s, "Harbour Bank", fmt.Sprintf("s%d", i), "5157F09EFDC096DE15EBE81A47057A7232F1B8E1")
			ctx := context.Background()
			plat, err := s.App.PayAPI.Keys.Current(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := opensslSerial(t, plat.CertPEM)
			if tc.want != "" && want != tc.want {
				t.Fatalf("the certificate's serial is %s, want %s", want, tc.want)
			}
			if !evenHex.MatchString(plat.Serial) || plat.Serial != want {
				t.Fatalf("platform serial %q, OpenSSL says %q", plat.Serial, want)
			}

			// /v3/certificates names the certificate by that serial, and the
			// certificate it carries has it.
			a := sh.call("GET", "/v3/certificates", nil)
			if a.Status != 200 || a.Header.Get("Wechatpay-Serial") != want {
				t.Fatalf("certificates: %d, Wechatpay-Serial %q, want %q", a.Status, a.Header.Get("Wechatpay-Serial"), want)
			}
			var certs struct {
				Data []struct {
					SerialNo           string `json:"serial_no"`
					EncryptCertificate struct {
						Nonce, AssociatedData, Ciphertext string
					} `json:"encrypt_certificate"`
				}
			}
			if err := json.Unmarshal(a.Body, &certs); err != nil || len(certs.Data) != 1 {
				t.Fatalf("certificates %s: %v", a.Body, err)
			}
			ec := certs.Data[0].EncryptCertificate
			pemCert, err := wxpay.Decrypt(sh.m.APIv3Key, "certificate", ec.Nonce, ec.Ciphertext)
			if err != nil {
				t.Fatal(err)
			}
			if certs.Data[0].SerialNo != want || opensslSerial(t, string(pemCert)) != want {
				t.Fatalf("serial_no %q, certificate's serial %q, want %q", certs.Data[0].SerialNo, opensslSerial(t, string(pemCert)), want)
			}

			// The payment notification is signed under the same name.
			var mu sync.Mutex
			var got []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				mu.Lock()
				got = append(got, r.Header.Get("Wechatpay-Serial"))
				mu.Unlock()
				w.WriteHeader(http.StatusNoContent)
			}))
			defer srv.Close()
			if a := sh.jsapi("serial-order-1", 990, srv.URL); a.Status != 200 {
				t.Fatalf("jsapi: %d %s", a.Status, a.Body)
			}
			o, _ := s.App.Pay.OrderByOutTradeNo(ctx, sh.acct.ID, "serial-order-1")
			if _, err := s.App.Pay.Pay(ctx, o.ID, sh.buyer); err != nil {
				t.Fatal(err)
			}
			if n, err := s.App.PayAPI.DeliverDue(ctx); err != nil || n != 1 {
				t.Fatalf("deliver: %d %v", n, err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 1 || got[0] != want {
				t.Fatalf("notification Wechatpay-Serial %q, want %q", got, want)
			}
		})
	}
}

// TestMerchantSerialInEitherForm stores a merchant serial typed without
// its leading zero and in lower case, keeps it in the even-length form,
// and accepts requests naming it in any of the forms clients write.
func TestMerchantSerialInEitherForm(t *testing.T) {
	s := apptest.New(t)
	sh := newShop(t, s, "Harbour Bank", "m", "e9d915b0c1d2e3f405162738495a6b7")
	if sh.m.MerchantSerial != "0E9D915B0C1D2E3F405162738495A6B7" {
		t.Fatalf("stored serial %q", sh.m.MerchantSerial)
	}
	for _, form := range []string{"0E9D915B0C1D2E3F405162738495A6B7", "E9D915B0C1D2E3F405162738495A6B7", "0e9d915b0c1d2e3f405162738495a6b7",
		"0E:9D:91:5B:0C:1D:2E:3F:40:51:62:73:84:95:A6:B7"} {
		sh.serial = form
		if a := sh.call("GET", "/v3/certificates", nil); a.Status != 200 {
			t.Errorf("serial_no %s: %d %s", form, a.Status, a.Body)
		}
	}
	for _, other := range []string{"0E9D915B0C1D2E3F405162738495A6B8", "E9D915B0C1D2E3F405162738495A6B", "not-hex"} {
		sh.serial = other
		if a := sh.call("GET", "/v3/certificates", nil); a.Status != 401 || a.code() != "SIGN_ERROR" {
			t.Errorf("serial_no %s: %d %s, want 401 SIGN_ERROR", other, a.Status, a.Body)
		}
	}
	// The console's form refuses what is not a serial, storing nothing.
	ctx := context.Background()
	if err := s.App.Pay.SetMerchantKey(ctx, sh.acct.ID, sh.m.MerchantPublicKey, "0xZZ"); err == nil {
		t.Fatal("a non-hex serial was stored")
	}
	if m, _ := s.App.Pay.Merchant(ctx, sh.acct.ID); m.MerchantSerial != "0E9D915B0C1D2E3F405162738495A6B7" {
		t.Fatalf("serial after a refused change %q", m.MerchantSerial)
	}
}

func TestCanonicalSerial(t *testing.T) {
	for in, want := range map[string]string{
		"E9D915B":     "0E9D915B",
		"e9d915b0":    "E9D915B0",
		"0e9d915b":    "0E9D915B",
		" 0x0E9D915B": "0E9D915B",
		"0E:9D:91:5B": "0E9D915B",
		"0000AB":      "AB",
		"0":           "00",
		"5157F09EFDC096DE15EBE81A47057A7232F1B8E1": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
	} {
		if got, ok := pay.CanonicalSerial(in); !ok || got != want {
			t.Errorf("CanonicalSerial(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "0x", "G1", "12 34", strings.Repeat("A", pay.MaxSerialDigits+1), "-1"} {
		if got, ok := pay.CanonicalSerial(bad); ok {
			t.Errorf("CanonicalSerial(%q) = %q, want refused", bad, got)
		}
	}
	if !pay.SameSerial("e9d915b", "0E9D915B") || pay.SameSerial("E9D915B0", "E9D915B1") || pay.SameSerial("", "") {
		t.Error("SameSerial")
	}
	c := &x509.Certificate{SerialNumber: mustHex("0E9D")}
	if pay.CertSerial(c) != "0E9D" {
		t.Errorf("CertSerial %q", pay.CertSerial(c))
	}
}

func FuzzCanonicalSerial(f *testing.F) {
	for _, s := range []string{"E9D915B0", "0e9d", "0x0E", "0E:9D", "", "zz", "00000000000000000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := pay.CanonicalSerial(s)
		if !ok {
			return
		}
		if !evenHex.MatchString(c) {
			t.Fatalf("CanonicalSerial(%q) = %q: not even-length upper-case hex", s, c)
		}
		if again, ok := pay.CanonicalSerial(c); !ok || again != c || !pay.SameSerial(s, c) {
			t.Fatalf("CanonicalSerial is not stable for %q → %q → %q", s, c, again)
		}
	})
}

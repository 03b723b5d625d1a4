package ui_test

import (
	"context"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/pay"
)

// TestConsoleBillsAndPlatformCertificate: the owner finds yesterday's bills
// on the console, downloads them byte for byte as the API serves them (same
// SHA1), sees why today has none, and downloads the platform certificate
// under the name clients file it by; agents and other accounts' owners get
// nothing.
func TestConsoleBillsAndPlatformCertificate(t *testing.T) {
	t.Parallel()
	w := newPayWorld(t)
	ctx := context.Background()
	hana := w.bankMerchant(t)
	loc := w.bank.Location()
	now := w.s.Clock.Now().In(loc)
	day := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, loc)
	w.s.Clock.Advance(day.Add(10 * time.Hour).Sub(now))
	mei := w.people["mei"]
	if err := w.s.App.Pay.TopUp(ctx, w.people["ada"].ID, mei.ID, 10000, ""); err != nil {
		t.Fatal(err)
	}
	o, err := w.s.App.Pay.CreateOrder(ctx, pay.NewOrder{AccountID: w.bank.ID, Amount: 1200, Description: "Piggy bank", Source: pay.SourceConsole})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.App.Pay.Pay(ctx, o.ID, mei.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.s.App.Pay.RefundOrder(ctx, w.bank.ID, o.ID, "console-r1", 200, "scratched"); err != nil {
		t.Fatal(err)
	}
	w.s.Clock.Advance(24 * time.Hour)
	d1, today := day.Format("2006-01-02"), day.AddDate(0, 0, 1).Format("2006-01-02")

	r := hana.Get(w.mp(w.bank, "/bills"))
	if r.Status != http.StatusOK || !r.Contains(`value="`+d1+`"`) || strings.Count(r.Body, ">CSV</a>") != 4 {
		t.Fatalf("bills page (yesterday by default): %d\n%s", r.Status, r.Body)
	}
	api, err := w.s.App.Pay.Bill(ctx, w.bank, pay.BillRequest{Kind: pay.BillTrade, Date: d1, Type: "ALL"})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Contains(api.SHA1) {
		t.Errorf("the page does not show the API's hash %s", api.SHA1)
	}
	f := hana.Get(w.mp(w.bank, "/bills/tradebill?date="+d1+"&type=ALL"))
	sum := sha1.Sum([]byte(f.Body))
	if f.Status != http.StatusOK || !strings.HasPrefix(f.Header.Get("Content-Type"), "text/csv") || hex.EncodeToString(sum[:]) != api.SHA1 ||
		!strings.Contains(f.Header.Get("Content-Disposition"), `filename="tradebill-`) || !strings.HasPrefix(f.Body, "交易时间,公众账号ID,商户号,") ||
		!strings.Contains(f.Body, "\r\n`2,`12.00,`2.00,`0.00,`0.00000,`12.00,`2.00\r\n") {
		t.Fatalf("trade bill download: %d %v\n%s", f.Status, f.Header, f.Body)
	}
	if f := hana.Get(w.mp(w.bank, "/bills/fundflowbill?date="+d1)); f.Status != http.StatusOK || !strings.Contains(f.Body, "`2,`1,`12.00,`1,`2.00") {
		t.Fatalf("fund-flow bill download: %d\n%s", f.Status, f.Body)
	}
	// Today is not over: no bill, and the page says why.
	if r := hana.Get(w.mp(w.bank, "/bills?date="+today)); r.Status != http.StatusOK || r.Contains(">CSV</a>") || !r.Contains("not over yet") {
		t.Fatalf("today's bills page: %d\n%s", r.Status, r.Body)
	}
	for _, bad := range []string{"/bills/tradebill?date=" + today, "/bills/tradebill?date=yesterday", "/bills/tradebill?date=" + d1 + "&type=ODD", "/bills/other?date=" + d1} {
		if f := hana.Get(w.mp(w.bank, bad)); f.Status < 400 || f.Status >= 500 || strings.HasPrefix(f.Body, "交易时间") {
			t.Errorf("%s: %d", bad, f.Status)
		}
	}

	// The platform certificate, named by its serial.
	plat, err := w.s.App.PayAPI.Keys.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := hana.Get(w.mp(w.bank, "/platform-certificate"))
	blk, _ := pem.Decode([]byte(c.Body))
	if c.Status != http.StatusOK || blk == nil || !strings.Contains(c.Header.Get("Content-Disposition"), `filename="wechatpay_`+plat.Serial+`.pem"`) {
		t.Fatalf("certificate download: %d %v", c.Status, c.Header)
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil || pay.CertSerial(cert) != plat.Serial {
		t.Fatalf("downloaded certificate %v, serial %s", err, plat.Serial)
	}
	if r := hana.Get(w.mp(w.bank, "")); !r.Contains(`<code data-testid="platform-serial">`+plat.Serial+`</code>`) || !r.Contains("/pay/bills") {
		t.Errorf("the payments page shows neither the platform serial nor the bills")
	}

	// Agents have no payments role; another account's owner sees nothing.
	for _, path := range []string{"/bills", "/bills/tradebill?date=" + d1, "/platform-certificate"} {
		if r := w.client(t, "sam").Get(w.mp(w.bank, path)); r.Status != http.StatusForbidden {
			t.Errorf("agent on %s: %d", path, r.Status)
		}
		if r := w.client(t, "lin").Get(w.mp(w.bank, path)); r.Status != http.StatusNotFound && r.Status != http.StatusForbidden {
			t.Errorf("another owner on %s: %d", path, r.Status)
		}
	}
}

var keyPairSerial = regexp.MustCompile(`private key \(serial ([0-9A-F]+)\)`)

// A key pair made in the console gets a 20-byte serial written with two
// digits per byte, the form its requests' serial_no are matched in.
func TestConsoleKeyPairSerialIsEvenLength(t *testing.T) {
	t.Parallel()
	w := newPayWorld(t)
	hana := w.bankMerchant(t)
	for range 8 {
		r := hana.PostForm(w.mp(w.bank, "/keypair"), nil)
		m := keyPairSerial.FindStringSubmatch(r.Body)
		if r.Status != http.StatusOK || m == nil || len(m[1]) != 40 {
			t.Fatalf("key pair: %d %q", r.Status, m)
		}
		stored, _ := w.s.App.Pay.Merchant(context.Background(), w.bank.ID)
		if stored.MerchantSerial != m[1] {
			t.Fatalf("shown %s, stored %s", m[1], stored.MerchantSerial)
		}
	}
}

package wxpay_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/pay"
	"github.com/heraldoa/herald/internal/pay/wxpay"
	"github.com/heraldoa/herald/internal/user"
)

func TestSignAndEncryptRoundTrip(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	msg := wxpay.Message("POST", "/v3/pay/transactions/jsapi", "1700000000", "abc", `{"a":1}`)
	if msg != "POST\n/v3/pay/transactions/jsapi\n1700000000\nabc\n{\"a\":1}\n" {
		t.Fatalf("message %q", msg)
	}
	sig, err := wxpay.Sign(key, msg)
	if err != nil {
		t.Fatal(err)
	}
	if err := wxpay.Verify(&key.PublicKey, msg, sig); err != nil {
		t.Fatal(err)
	}
	if err := wxpay.Verify(&key.PublicKey, msg+"x", sig); err == nil {
		t.Fatal("a changed message verified")
	}
	a, err := wxpay.ParseAuth(`WECHATPAY2-SHA256-RSA2048 mchid="1900000001",nonce_str="n1",signature="` + sig + `",timestamp="1700000000",serial_no="ABC"`)
	if err != nil || a.MchID != "1900000001" || a.Signature != sig || a.Serial != "ABC" {
		t.Fatalf("parse: %+v %v", a, err)
	}
	if _, err := wxpay.ParseAuth(`Bearer x`); err == nil {
		t.Fatal("another scheme parsed")
	}
	k := strings.Repeat("k", 32)
	nonce, ct, err := wxpay.Encrypt(k, "transaction", []byte(`{"x":1}`))
	if err != nil || len(nonce) != 12 {
		t.Fatal(err)
	}
	if pt, err := wxpay.Decrypt(k, "transaction", nonce, ct); err != nil || string(pt) != `{"x":1}` {
		t.Fatalf("decrypt %q %v", pt, err)
	}
	if _, err := wxpay.Decrypt(k, "refund", nonce, ct); err == nil {
		t.Fatal("wrong associated data decrypted")
	}
}

// nodeModules installs wechatpay-node-v3 into a temporary directory, or
// skips when npm cannot (unless HERALD_E2E_REQUIRED is set).
func nodeModules(t *testing.T) string {
	t.Helper()
	skip := func(why string) {
		if os.Getenv("HERALD_E2E_REQUIRED") != "" {
			t.Fatalf("wechatpay-node-v3 is required: %s", why)
		}
		t.Skipf("skipping the wechatpay-node-v3 client test: %s", why)
	}
	if _, err := exec.LookPath("node"); err != nil {
		skip("node is not installed")
	}
	if _, err := exec.LookPath("npm"); err != nil {
		skip("npm is not installed")
	}
	dir := t.TempDir()
	cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--silent", "wechatpay-node-v3@2")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		skip("npm install wechatpay-node-v3 failed: " + err.Error() + ": " + string(out))
	}
	return filepath.Join(dir, "node_modules")
}

func runNode(t *testing.T, modules string, cfg map[string]any, phase string) map[string]any {
	t.Helper()
	raw, _ := json.Marshal(cfg)
	f := filepath.Join(t.TempDir(), "cfg.json")
	if err := os.WriteFile(f, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	script, _ := filepath.Abs("testdata/client.js")
	cmd := exec.Command("node", script, f, phase)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("node %s: %v\n%s", phase, err, stderr)
	}
	var res map[string]any
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("node %s output %q: %v", phase, out, err)
	}
	t.Logf("%s: %s", phase, out)
	return res
}

func get(m map[string]any, path string) any {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

type captured struct {
	body    string
	headers map[string]string
}

// TestWechatpayNodeClientAgainstHerald drives the API with the real
// wechatpay-node-v3 library: it fetches and decrypts the platform
// certificate, creates JSAPI and Native orders (idempotently), queries,
// refunds (partly, idempotently, never more than paid), closes, and
// verifies every response signature; a forged request is refused. The
// payment and refund notifications are retried until the merchant answers
// 200, and the library verifies and decrypts them.
func TestWechatpayNodeClientAgainstHerald(t *testing.T) {
	modules := nodeModules(t)
	s := apptest.New(t)
	ctx := context.Background()
	owner, err := s.App.Users.Create(ctx, user.NewPerson{Username: "hana", DisplayName: "Hana", Password: "a long enough secret"})
	if err != nil {
		t.Fatal(err)
	}
	mei, _ := s.App.Users.Create(ctx, user.NewPerson{Username: "mei", DisplayName: "Mei", PasswordHash: "x"})
	bank, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank", Status: account.StatusActive, OwnerID: owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := s.App.Accounts.IssueCredentials(ctx, bank.ID)
	if err != nil {
		t.Fatal(err)
	}
	bank, _ = s.App.Accounts.ByID(ctx, bank.ID)
	fr, err := s.App.Follows.Follow(ctx, bank.ID, mei.ID, follow.SourceSearch, "")
	if err != nil {
		t.Fatal(err)
	}
	_ = fr
	f, _ := s.App.Follows.Get(ctx, bank.ID, mei.ID)
	if _, err := s.App.Pay.EnableMerchant(ctx, bank, "Harbour Bank", ""); err != nil {
		t.Fatal(err)
	}
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	pubDER, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	privDER, _ := x509.MarshalPKCS8PrivateKey(key)
	pubPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
	if err := s.App.Pay.SetMerchantKey(ctx, bank.ID, pubPEM, "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"); err != nil {
		t.Fatal(err)
	}
	m, _ := s.App.Pay.Merchant(ctx, bank.ID)
	if err := s.App.Pay.TopUp(ctx, owner.ID, mei.ID, 10000, ""); err != nil {
		t.Fatal(err)
	}
	// The merchant's notify endpoint fails once, then acknowledges.
	var mu sync.Mutex
	var got []captured
	calls := 0
	notify := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		h := map[string]string{}
		for _, k := range []string{"Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial", "Wechatpay-Signature"} {
			h[k] = r.Header.Get(k)
		}
		got = append(got, captured{string(body), h})
		w.WriteHeader(http.StatusNoContent)
	}))
	defer notify.Close()

	cfg := map[string]any{"base": s.URL, "mchid": m.MchID, "appid": creds.AppID, "serial": m.MerchantSerial, "publicKey": pubPEM,
		"privateKey": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER})), "apiV3Key": m.APIv3Key,
		"openid": f.OpenID, "outTradeNo": "node-order-0001", "nativeNo": "node-native-0001", "notifyURL": notify.URL + "/notify"}
	check := func(res map[string]any, path string, want any) {
		t.Helper()
		if g := get(res, path); g != want {
			t.Errorf("%s = %v, want %v", path, g, want)
		}
	}
	allVerified := func(res map[string]any) {
		t.Helper()
		cs, _ := res["checks"].([]any)
		if len(cs) == 0 {
			t.Error("no responses were checked")
		}
		for _, c := range cs {
			if c.(map[string]any)["verified"] != true {
				t.Errorf("response signature did not verify: %v", c)
			}
		}
	}
	plat, err := s.App.PayAPI.Keys.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res := runNode(t, modules, cfg, "create")
	allVerified(res)
	if cs, _ := res["cert_serials"].([]any); len(cs) != 1 || cs[0] != plat.Serial {
		t.Errorf("certificates %v, want %s", res["cert_serials"], plat.Serial)
	}
	o, err := s.App.Pay.OrderByOutTradeNo(ctx, bank.ID, "node-order-0001")
	if err != nil {
		t.Fatal(err)
	}
	check(res, "jsapi.status", float64(200))
	check(res, "jsapi.package", "prepay_id="+wxpay.PrepayID(o))
	check(res, "jsapi.again", "prepay_id="+wxpay.PrepayID(o))
	check(res, "jsapi.paySign", true)
	check(res, "native.status", float64(200))
	check(res, "query.trade_state", "NOTPAY")
	check(res, "conflict.status", float64(400))
	check(res, "conflict.code", "INVALID_REQUEST")
	check(res, "forged.status", float64(401))
	check(res, "forged.code", "SIGN_ERROR")
	if cu, _ := get(res, "native.code_url").(string); !strings.HasPrefix(cu, s.URL+"/pay/") {
		t.Errorf("code_url %q", cu)
	}
	if o.PersonID != mei.ID || o.Amount != 2550 || o.Source != pay.SourceAPI {
		t.Fatalf("order %+v", o)
	}

	// Mei pays; the notification fails once and is retried after 15 s.
	if _, err := s.App.Pay.Pay(ctx, o.ID, mei.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := s.App.PayAPI.DeliverDue(ctx); err != nil || n != 0 {
		t.Fatalf("first delivery: %d %v", n, err)
	}
	if n, _ := s.App.PayAPI.DeliverDue(ctx); n != 0 {
		t.Fatal("retried before the backoff")
	}
	s.Clock.Advance(16 * time.Second)
	if n, err := s.App.PayAPI.DeliverDue(ctx); err != nil || n != 1 {
		t.Fatalf("retry: %d %v", n, err)
	}
	ns, _ := s.App.Pay.Notifications(ctx, bank.ID, 10)
	if len(ns) != 1 || ns[0].State != "done" || ns[0].Attempts != 2 {
		t.Fatalf("notifications %+v", ns)
	}
	nres := runNode(t, modules, map[string]any{"base": s.URL, "mchid": m.MchID, "appid": creds.AppID, "serial": m.MerchantSerial, "publicKey": pubPEM,
		"privateKey": cfg["privateKey"], "apiV3Key": m.APIv3Key, "notification": map[string]any{"body": got[0].body, "headers": got[0].headers}}, "notify")
	check(nres, "verified", true)
	check(nres, "event_type", "TRANSACTION.SUCCESS")
	check(nres, "resource.trade_state", "SUCCESS")
	check(nres, "resource.out_trade_no", "node-order-0001")
	check(nres, "resource.mchid", m.MchID)
	check(nres, "resource.payer.openid", f.OpenID)
	check(nres, "resource.amount.total", float64(2550))

	res = runNode(t, modules, cfg, "after")
	allVerified(res)
	check(res, "query.trade_state", "SUCCESS")
	check(res, "query.openid", f.OpenID)
	check(res, "by_id.out_trade_no", "node-order-0001")
	check(res, "refund.status", float64(200))
	check(res, "refund.refund_status", "SUCCESS")
	check(res, "refund.refund", float64(500))
	if get(res, "refund.again") != get(res, "refund.refund_id") {
		t.Error("a repeated refund got another refund_id")
	}
	check(res, "over.status", float64(400))
	check(res, "find_refund.refund_status", "SUCCESS")
	check(res, "close.status", float64(204))
	check(res, "native_state", "CLOSED")
	check(res, "missing.status", float64(404))
	check(res, "missing.code", "ORDER_NOT_EXIST")
	if w, _ := s.App.Pay.Balance(ctx, pay.OwnerWallet, mei.ID); w != 10000-2550+500 {
		t.Fatalf("wallet %d: refunded more than once?", w)
	}
	if n, err := s.App.PayAPI.DeliverDue(ctx); err != nil || n != 1 {
		t.Fatalf("refund notification: %d %v", n, err)
	}
	nres = runNode(t, modules, map[string]any{"base": s.URL, "mchid": m.MchID, "appid": creds.AppID, "serial": m.MerchantSerial, "publicKey": pubPEM,
		"privateKey": cfg["privateKey"], "apiV3Key": m.APIv3Key, "notification": map[string]any{"body": got[1].body, "headers": got[1].headers}}, "notify")
	check(nres, "verified", true)
	check(nres, "event_type", "REFUND.SUCCESS")
	check(nres, "resource.refund_status", "SUCCESS")
	check(nres, "resource.out_refund_no", "refund-node-1")
	check(nres, "resource.amount.refund", float64(500))
	// The owner sees both notifications, delivered, on the payments page.
	c := s.Client(t)
	c.SignIn("hana", "a long enough secret")
	page := c.Get(fmt.Sprintf("/mp/a/%d/pay", bank.ID))
	if !page.Contains("TRANSACTION.SUCCESS") || !page.Contains("REFUND.SUCCESS") || strings.Count(page.Body, `<span class="badge ok">done</span>`) != 2 {
		t.Errorf("notification log on the payments page:\n%s", page.Body)
	}
	if _, err := s.App.Pay.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

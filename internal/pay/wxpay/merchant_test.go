package wxpay_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/pay"
	"github.com/heraldoa/herald/internal/pay/wxpay"
	"github.com/heraldoa/herald/internal/user"
)

// shop is a Service account with payments on, a follower with money and a
// merchant server that signs its requests with Herald's own v3 signer.
type shop struct {
	t      testing.TB
	s      *apptest.Server
	acct   *account.Account
	appID  string
	m      *pay.Merchant
	key    *rsa.PrivateKey
	serial string // what the merchant's requests send as serial_no
	buyer  int64
	openid string
}

// newShop makes the shop; serial is the merchant certificate serial stored
// in the console (in whichever form the test wants to type it).
func newShop(t testing.TB, s *apptest.Server, name, handle, serial string) *shop {
	t.Helper()
	ctx := context.Background()
	owner, err := s.App.Users.Create(ctx, user.NewPerson{Username: handle + "owner", DisplayName: "Owner", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	buyer, err := s.App.Users.Create(ctx, user.NewPerson{Username: handle + "buyer", DisplayName: "Buyer", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	acct, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: name, Status: account.StatusActive, OwnerID: owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := s.App.Accounts.IssueCredentials(ctx, acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	acct, _ = s.App.Accounts.ByID(ctx, acct.ID)
	fr, err := s.App.Follows.Follow(ctx, acct.ID, buyer.ID, follow.SourceSearch, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Pay.EnableMerchant(ctx, acct, name, ""); err != nil {
		t.Fatal(err)
	}
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	pubDER, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err := s.App.Pay.SetMerchantKey(ctx, acct.ID, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})), serial); err != nil {
		t.Fatal(err)
	}
	m, _ := s.App.Pay.Merchant(ctx, acct.ID)
	if err := s.App.Pay.TopUp(ctx, owner.ID, buyer.ID, 100000, ""); err != nil {
		t.Fatal(err)
	}
	return &shop{t: t, s: s, acct: acct, appID: creds.AppID, m: m, key: key, serial: m.MerchantSerial, buyer: buyer.ID, openid: fr.OpenID}
}

// answer is one response of the API.
type answer struct {
	Status int
	Header http.Header
	Body   []byte
}

func (a answer) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.Body, &m); err != nil {
		t.Fatalf("status %d, body %q: %v", a.Status, a.Body, err)
	}
	return m
}

// code is the error code of an error answer.
func (a answer) code() string {
	var e struct{ Code, Message string }
	_ = json.Unmarshal(a.Body, &e)
	return e.Code
}

func (a answer) message() string {
	var e struct{ Code, Message string }
	_ = json.Unmarshal(a.Body, &e)
	return e.Message
}

// call sends a request signed as WeChat Pay v3 clients sign it and, when
// the answer carries a signature, verifies it with the platform key.
func (sh *shop) call(method, path string, body any) answer {
	sh.t.Helper()
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	ts := strconv.FormatInt(sh.s.Clock.Now().Unix(), 10)
	nonce := fmt.Sprintf("n%d", time.Now().UnixNano())
	sig, err := wxpay.Sign(sh.key, wxpay.Message(method, path, ts, nonce, string(raw)))
	if err != nil {
		sh.t.Fatal(err)
	}
	req, _ := http.NewRequest(method, sh.s.URL+path, bytes.NewReader(raw))
	req.Header.Set("Authorization", fmt.Sprintf(`%s mchid="%s",nonce_str="%s",signature="%s",timestamp="%s",serial_no="%s"`,
		wxpay.AuthScheme, sh.m.MchID, nonce, sig, ts, sh.serial))
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		sh.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if sig := res.Header.Get("Wechatpay-Signature"); sig != "" {
		k, err := sh.s.App.PayAPI.Keys.Current(context.Background())
		if err != nil {
			sh.t.Fatal(err)
		}
		if res.Header.Get("Wechatpay-Serial") != k.Serial {
			sh.t.Errorf("Wechatpay-Serial %q, want %q", res.Header.Get("Wechatpay-Serial"), k.Serial)
		}
		if err := wxpay.Verify(&k.Key.PublicKey, wxpay.Message(res.Header.Get("Wechatpay-Timestamp"), res.Header.Get("Wechatpay-Nonce"), string(out)), sig); err != nil {
			sh.t.Errorf("%s %s: the response signature does not verify", method, path)
		}
	}
	return answer{Status: res.StatusCode, Header: res.Header, Body: out}
}

// jsapi creates a JSAPI order for the shop's follower.
func (sh *shop) jsapi(outTradeNo string, total int64, notifyURL string) answer {
	sh.t.Helper()
	if notifyURL == "" {
		notifyURL = "https://merchant.example/notify"
	}
	return sh.call("POST", "/v3/pay/transactions/jsapi", map[string]any{"appid": sh.appID, "mchid": sh.m.MchID, "description": "Tea, 2 tins",
		"out_trade_no": outTradeNo, "notify_url": notifyURL, "amount": map[string]any{"total": total, "currency": "CNY"},
		"payer": map[string]any{"openid": sh.openid}, "attach": "batch=7"})
}

// paid creates a JSAPI order and has the follower pay it.
func (sh *shop) paid(outTradeNo string, total int64) *pay.Order {
	sh.t.Helper()
	if a := sh.jsapi(outTradeNo, total, ""); a.Status != 200 {
		sh.t.Fatalf("jsapi %s: %d %s", outTradeNo, a.Status, a.Body)
	}
	ctx := context.Background()
	o, err := sh.s.App.Pay.OrderByOutTradeNo(ctx, sh.acct.ID, outTradeNo)
	if err != nil {
		sh.t.Fatal(err)
	}
	if o, err = sh.s.App.Pay.Pay(ctx, o.ID, sh.buyer); err != nil {
		sh.t.Fatal(err)
	}
	return o
}

func (sh *shop) refund(outTradeNo, outRefundNo string, refund, total int64) answer {
	sh.t.Helper()
	return sh.call("POST", "/v3/refund/domestic/refunds", map[string]any{"out_trade_no": outTradeNo, "out_refund_no": outRefundNo, "reason": "chipped",
		"amount": map[string]any{"refund": refund, "total": total, "currency": "CNY"}})
}

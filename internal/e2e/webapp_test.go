package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/pay/wxpay"
	"github.com/heraldoa/herald/internal/user"
)

// teaShop is a small web app, as a merchant would write one: it signs the
// follower in through web sign-in (snsapi_base), creates JSAPI orders
// through the WeChat Pay v3-shaped API with its own RSA key, sends the
// browser to Herald's pay sheet with a redirect_url back to itself, shows
// the order's state by query, and records the payment notification (its
// signature checked against the platform key, its resource decrypted
// with the APIv3 key).
type teaShop struct {
	t        *testing.T
	srv      *httptest.Server
	herald   string // Herald's base URL
	appID    string // the account's developer appid
	secret   string
	mchID    string
	serial   string
	key      *rsa.PrivateKey
	apiV3Key string
	platform *rsa.PublicKey

	mu       sync.Mutex
	n        int
	notified map[string]string // out_trade_no → trade_state from the notification
}

func (s *teaShop) signedCall(method, path string, body []byte) (*http.Response, []byte, error) {
	ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), fmt.Sprintf("n%d", time.Now().UnixNano())
	sig, err := wxpay.Sign(s.key, wxpay.Message(method, path, ts, nonce, string(body)))
	if err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequest(method, s.herald+path, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", fmt.Sprintf(`WECHATPAY2-SHA256-RSA2048 mchid="%s",nonce_str="%s",signature="%s",timestamp="%s",serial_no="%s"`, s.mchID, nonce, sig, ts, s.serial))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res, b, err
}

func (s *teaShop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(format string, args ...any) {
		http.Error(w, fmt.Sprintf(format, args...), http.StatusInternalServerError)
	}
	openid := ""
	if c, err := r.Cookie("teashop_openid"); err == nil {
		openid = c.Value
	}
	switch r.URL.Path {
	case "/", "/menu":
		if openid == "" {
			q := url.Values{"appid": {s.appID}, "redirect_uri": {s.srv.URL + "/cb"}, "response_type": {"code"}, "scope": {"snsapi_base"}, "state": {"teashop"}}
			http.Redirect(w, r, s.herald+"/connect/oauth2/authorize?"+q.Encode()+"#wechat_redirect", http.StatusFound)
			return
		}
		fmt.Fprintf(w, `<!doctype html><meta name="viewport" content="width=device-width"><h1>Tea shop</h1>
<p data-testid="shop-user">Signed in as %s</p><p data-testid="shop-page">%s</p>
<form method="post" action="/buy"><button data-testid="shop-buy">Buy green tea, ¥3.00</button></form>`, html.EscapeString(openid), html.EscapeString(r.URL.Path))
	case "/cb":
		code := r.URL.Query().Get("code")
		res, err := http.Get(s.herald + "/sns/oauth2/access_token?" + url.Values{"appid": {s.appID}, "secret": {s.secret}, "code": {code}, "grant_type": {"authorization_code"}}.Encode())
		if err != nil {
			fail("token: %v", err)
			return
		}
		defer res.Body.Close()
		var tok struct {
			OpenID string `json:"openid"`
		}
		if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || tok.OpenID == "" {
			fail("token: %v", err)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "teashop_openid", Value: tok.OpenID, Path: "/"})
		http.Redirect(w, r, "/", http.StatusFound)
	case "/buy":
		if r.Method != http.MethodPost || openid == "" {
			http.Error(w, "sign in first", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.n++
		no := fmt.Sprintf("TEA%06d", s.n)
		s.mu.Unlock()
		body, _ := json.Marshal(map[string]any{"appid": s.appID, "mchid": s.mchID, "description": "Green tea", "out_trade_no": no,
			"notify_url": s.srv.URL + "/notify", "amount": map[string]any{"total": 300, "currency": "CNY"}, "payer": map[string]string{"openid": openid}})
		res, b, err := s.signedCall(http.MethodPost, "/v3/pay/transactions/jsapi", body)
		if err != nil || res.StatusCode != http.StatusOK {
			fail("jsapi: %v %s", err, b)
			return
		}
		var out struct {
			PrepayID string `json:"prepay_id"`
			H5URL    string `json:"h5_url"`
		}
		if err := json.Unmarshal(b, &out); err != nil || !strings.HasPrefix(out.PrepayID, "wx") {
			fail("jsapi answer: %s", b)
			return
		}
		// As WeChat Pay's H5 flow: h5_url + &redirect_url=.
		http.Redirect(w, r, out.H5URL+"&redirect_url="+url.QueryEscape(s.srv.URL+"/done?no="+no), http.StatusSeeOther)
	case "/done":
		no := r.URL.Query().Get("no")
		res, b, err := s.signedCall(http.MethodGet, "/v3/pay/transactions/out-trade-no/"+url.PathEscape(no)+"?mchid="+s.mchID, nil)
		if err != nil || res.StatusCode != http.StatusOK {
			fail("query: %v %s", err, b)
			return
		}
		var tx struct {
			TradeState string `json:"trade_state"`
			Amount     struct {
				Total int64 `json:"total"`
			} `json:"amount"`
		}
		if err := json.Unmarshal(b, &tx); err != nil {
			fail("query answer: %s", b)
			return
		}
		s.mu.Lock()
		notified := s.notified[no]
		s.mu.Unlock()
		if notified == "" {
			notified = "not yet"
		}
		fmt.Fprintf(w, `<!doctype html><meta name="viewport" content="width=device-width"><h1>Your order</h1>
<p data-testid="shop-order">Order %s: %s, %d fen</p><p data-testid="shop-notified">Notified: %s</p>`,
			html.EscapeString(no), html.EscapeString(tx.TradeState), tx.Amount.Total, html.EscapeString(notified))
	case "/notify":
		b, _ := io.ReadAll(r.Body)
		msg := wxpay.Message(r.Header.Get("Wechatpay-Timestamp"), r.Header.Get("Wechatpay-Nonce"), string(b))
		if err := wxpay.Verify(s.platform, msg, r.Header.Get("Wechatpay-Signature")); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var env wxpay.Envelope
		if err := json.Unmarshal(b, &env); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		plain, err := wxpay.Decrypt(s.apiV3Key, env.Resource.AssociatedData, env.Resource.Nonce, env.Resource.Ciphertext)
		if err != nil {
			http.Error(w, "cannot decrypt", http.StatusBadRequest)
			return
		}
		var tx struct {
			OutTradeNo string `json:"out_trade_no"`
			TradeState string `json:"trade_state"`
		}
		if err := json.Unmarshal(plain, &tx); err != nil {
			http.Error(w, "bad resource", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.notified[tx.OutTradeNo] = tx.TradeState
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

// TestLinkedWebAppSignInAndPay: the account's admin links a web app (with
// an icon) on its web sign-in domain in the console; a follower opens it
// from the account's profile, is signed in through web sign-in without a
// prompt, buys, pays in Herald's pay sheet with the password and lands
// back in the web app, which shows the paid order by query and then by the
// payment notification. Opening it again from the menu lands in the app
// too. Every page fits a 360 px phone.
func TestLinkedWebAppSignInAndPay(t *testing.T) {
	t.Parallel()
	h := heraldtest.New(t)
	s := h.Internal()
	ctx := context.Background()
	svc := h.Service
	admin := s.CreatePerson(t, "shopadmin", "a long enough secret", user.RoleNone)
	if err := s.App.Accounts.AddMember(ctx, svc.ID, admin.ID, account.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	acct, err := s.App.Accounts.ByID(ctx, svc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Pay.EnableMerchant(ctx, acct, "Tea House", ""); err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	const serial = "6B4A5E4F0E1D2C3B4A5E4F0E1D2C3B4A5E4F0E1D"
	if err := s.App.Pay.SetMerchantKey(ctx, svc.ID, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), serial); err != nil {
		t.Fatal(err)
	}
	m, err := s.App.Pay.Merchant(ctx, svc.ID)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := s.App.PayAPI.Keys.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fan := svc.Followers[0]
	if err := s.App.Pay.TopUp(ctx, admin.ID, fan.PersonID, 2000, "e2e"); err != nil {
		t.Fatal(err)
	}

	shop := &teaShop{t: t, herald: s.URL, appID: svc.AppID, secret: svc.AppSecret, mchID: m.MchID, serial: serial, key: key,
		apiV3Key: m.APIv3Key, platform: &pk.Key.PublicKey, notified: map[string]string{}}
	shop.srv = httptest.NewServer(shop)
	defer shop.srv.Close()
	shopHost := strings.TrimPrefix(shop.srv.URL, "http://")
	if err := s.App.API.SetOAuthDomains(ctx, svc.ID, []string{shopHost}); err != nil {
		t.Fatal(err)
	}

	// The admin links the web app in the console, on a 360 px phone.
	icon := filepath.Join(t.TempDir(), "tea.png")
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{0, 128, 0, 255})
	}
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(icon, pngBuf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	owner := Browser(t)
	do(t, owner, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait))
	signIn(t, owner, s, "shopadmin", "a long enough secret", fmt.Sprintf("/mp/a/%d/webapps", svc.ID), `[data-testid=webapp-form]`)
	fitsSmallPhone(t, owner, "the web apps page")
	do(t, owner, "an address off the sign-in domains is refused",
		chromedp.SendKeys(`[data-testid=webapp-name]`, "Tea shop"),
		chromedp.SendKeys(`[data-testid=webapp-url]`, "https://elsewhere.example/"),
		chromedp.Click(`[data-testid=webapp-save]`),
		chromedp.WaitVisible(`[data-testid=webapp-url-error]`),
	)
	if got := run(t, owner, "read the reason", chromedp.Text[string](`[data-testid=webapp-url-error]`)); !strings.Contains(got, "elsewhere.example is not one of") {
		t.Fatalf("reason: %q", got)
	}
	do(t, owner, "link the web app with its icon",
		chromedp.SetValue(`[data-testid=webapp-url]`, shop.srv.URL+"/"),
		chromedp.SetUploadFiles(`[data-testid=webapp-icon]`, []string{icon}),
		chromedp.Click(`[data-testid=webapp-save]`),
		chromedp.WaitVisible(`[data-testid=webapps] [data-testid=webapp-appid]`),
	)
	fitsSmallPhone(t, owner, "the web apps list")
	apps, err := s.App.WebApps.List(ctx, svc.ID)
	if err != nil || len(apps) != 1 || apps[0].IconType != "image/png" {
		t.Fatalf("linked apps: %+v %v", apps, err)
	}
	app := apps[0]
	do(t, owner, "open the app's page",
		chromedp.Navigate(fmt.Sprintf("%s/mp/a/%d/webapps/%d", s.URL, svc.ID, app.ID)),
		chromedp.WaitVisible(`[data-testid=webapp-unlink]`),
	)
	fitsSmallPhone(t, owner, "a web app's page")

	// The follower opens it from the profile and is signed in silently.
	phone := Browser(t)
	do(t, phone, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait))
	signIn(t, phone, s, fan.Name, "heraldtest password", fmt.Sprintf("/a/%d", svc.ID), `[data-testid=profile-webapps]`)
	fitsSmallPhone(t, phone, "the profile with web apps")
	// The icon is fetched after the page is shown: give it up to 10 s to
	// arrive, as a person would wait a moment for it.
	iconShown := func() bool {
		return run(t, phone, "the icon loads", chromedp.Evaluate[bool](`(() => { const i = document.querySelector("[data-testid=profile-webapps] img"); return !!i && i.complete && i.naturalWidth === 8; })()`))
	}
	for deadline := time.Now().Add(10 * time.Second); !iconShown(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the web app's icon is not shown on the profile")
		}
	}
	do(t, phone, "open the web app from the profile",
		chromedp.Click(`[data-testid=profile-webapps] a[data-appid="`+app.AppID+`"]`),
		chromedp.WaitVisible(`[data-testid=shop-user]`),
	)
	if got := run(t, phone, "read who is signed in", chromedp.Text[string](`[data-testid=shop-user]`)); got != "Signed in as "+fan.OpenID {
		t.Fatalf("the web app says %q, want the follower's openid %s", got, fan.OpenID)
	}
	do(t, phone, "buy in the web app: Herald's pay sheet opens",
		chromedp.Click(`[data-testid=shop-buy]`),
		chromedp.WaitVisible(chromedp.Search(`//p[@data-testid="pay-amount"][normalize-space()="¥3.00"]`)),
		chromedp.WaitVisible(chromedp.Search(`//strong[@data-testid="wallet-balance"][normalize-space()="¥20.00"]`)),
	)
	fitsSmallPhone(t, phone, "the pay sheet")
	if got := run(t, phone, "read the merchant", chromedp.Text[string](`.pay-merchant`)); !strings.Contains(got, "Tea House") {
		t.Fatalf("pay sheet merchant %q", got)
	}
	do(t, phone, "a wrong password charges nothing and keeps the way back",
		chromedp.SendKeys(`[data-testid=pay-form] input[name=password]`, "not my password"),
		chromedp.Click(`[data-testid=pay-confirm]`),
		chromedp.WaitVisible(`[data-testid=pay-field-error]`),
	)
	do(t, phone, "pay with the password and land back in the web app",
		chromedp.SendKeys(`[data-testid=pay-form] input[name=password]`, "heraldtest password"),
		chromedp.Click(`[data-testid=pay-confirm]`),
		chromedp.WaitVisible(`[data-testid=shop-order]`),
	)
	if got := run(t, phone, "read the order", chromedp.Text[string](`[data-testid=shop-order]`)); got != "Order TEA000001: SUCCESS, 300 fen" {
		t.Fatalf("the web app shows %q", got)
	}
	// The pay-notify job's turn: the notification reaches the web app.
	if n, err := s.App.PayAPI.DeliverDue(ctx); err != nil || n != 1 {
		t.Fatalf("deliver notifications: %d %v", n, err)
	}
	do(t, phone, "reload: the web app has the notification", chromedp.Reload(), chromedp.WaitVisible(`[data-testid=shop-notified]`))
	if got := run(t, phone, "read the notification", chromedp.Text[string](`[data-testid=shop-notified]`)); got != "Notified: SUCCESS" {
		t.Fatalf("the web app shows %q", got)
	}
	fitsSmallPhone(t, phone, "the web app's order page")

	// The menu opens it too (at its page path).
	if _, err := s.App.Menus.SetDefault(ctx, svc.ID, []menu.Button{{Type: menu.TypeMiniProgram, Name: "Shop", AppID: app.AppID, PagePath: "/menu", URL: shop.srv.URL + "/"}}); err != nil {
		t.Fatal(err)
	}
	do(t, phone, "open the web app from the menu",
		chromedp.Navigate(fmt.Sprintf("%s/chat/%d", s.URL, svc.ID)),
		chromedp.Click(chromedp.Search(`//*[@data-testid="menubar"]//a[normalize-space()="Shop"]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[@data-testid="shop-page"][normalize-space()="/menu"]`)),
	)
	got, err := s.App.WebApps.Get(ctx, svc.ID, app.ID)
	if err != nil || got.Opens != 2 {
		t.Fatalf("opens after the profile and the menu: %+v %v", got, err)
	}
	if w, err := s.App.Pay.Balance(ctx, "wallet", fan.PersonID); err != nil || w != 1700 {
		t.Fatalf("wallet after paying ¥3: %d %v", w, err)
	}
	if _, err := s.App.Pay.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

package wxapi_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apitoken"
	"github.com/heraldoa/herald/internal/push"
)

func TestTokenErrorsAndLifetime(t *testing.T) {
	h := heraldtest.New(t)
	c := newClient(t, h)
	svc := h.Service
	tokenQ := func(grant, appid, secret string) url.Values {
		return url.Values{"grant_type": {grant}, "appid": {appid}, "secret": {secret}}
	}
	wantCode(t, "bad grant_type", c.get("/cgi-bin/token", tokenQ("password", svc.AppID, svc.AppSecret)), 40002)
	wantCode(t, "no appid", c.get("/cgi-bin/token", tokenQ("client_credential", "", svc.AppSecret)), 41002)
	wantCode(t, "no secret", c.get("/cgi-bin/token", tokenQ("client_credential", svc.AppID, "")), 41004)
	wantCode(t, "unknown appid", c.get("/cgi-bin/token", tokenQ("client_credential", "wx0000000000000000", svc.AppSecret)), 40013)
	wantCode(t, "wrong secret", c.get("/cgi-bin/token", tokenQ("client_credential", svc.AppID, h.Subscription.AppSecret)), 40125)

	r := c.get("/cgi-bin/token", tokenQ("client_credential", svc.AppID, svc.AppSecret))
	first := r.Str("access_token")
	if len(first) < 100 || r["expires_in"].(float64) != 7200 {
		t.Fatalf("token response %v", r)
	}
	wantCode(t, "no token", c.get("/cgi-bin/user/get", nil), 41001)
	wantCode(t, "unknown token", c.call("/cgi-bin/user/get", "nonsense", nil), 40001)
	if r := c.call("/cgi-bin/user/get", first, nil); r.Code() != 0 || r["total"].(float64) != 3 {
		t.Fatalf("user/get: %v", r)
	}

	// A new token: the previous one keeps working for five minutes.
	second := c.token(svc)
	if second == first {
		t.Fatal("the same token twice")
	}
	wantCode(t, "old token within 5 min", c.call("/cgi-bin/user/get", first, nil), 0)
	h.Advance(5*time.Minute + time.Second)
	wantCode(t, "old token after 5 min", c.call("/cgi-bin/user/get", first, nil), 40001)
	wantCode(t, "new token", c.call("/cgi-bin/user/get", second, nil), 0)
	h.Advance(7200 * time.Second)
	r = c.call("/cgi-bin/user/get", second, nil)
	wantCode(t, "expired token", r, 42001)
	if !strings.HasPrefix(r.Str("errmsg"), "access_token expired rid: ") {
		t.Fatalf("errmsg %q: EasyWeChat retries only on this exact text", r.Str("errmsg"))
	}
}

func TestStableTokensAreSeparateAndForceRefreshIsLimited(t *testing.T) {
	h := heraldtest.New(t)
	// The force_refresh count is per day in Beijing: start at the next 08:00
	// there, so the two hours this test advances never cross midnight.
	sh := time.FixedZone("Asia/Shanghai", 8*3600)
	now := h.Internal().Clock.Now().In(sh)
	next := time.Date(now.Year(), now.Month(), now.Day(), 8, 0, 0, 0, sh)
	if !next.After(now) {
		next = next.AddDate(0, 0, 1)
	}
	h.Advance(next.Sub(now))
	c := newClient(t, h)
	svc := h.Service
	body := map[string]any{"grant_type": "client_credential", "appid": svc.AppID, "secret": svc.AppSecret}
	s1 := c.post("/cgi-bin/stable_token", "", body).Str("access_token")
	s2 := c.post("/cgi-bin/stable_token", "", body).Str("access_token")
	if s1 == "" || s1 != s2 {
		t.Fatalf("stable token not reused: %q %q", s1, s2)
	}
	normal := c.token(svc)
	c.token(svc)
	h.Advance(6 * time.Minute)
	wantCode(t, "stable token after two normal refreshes", c.call("/cgi-bin/user/get", s1, nil), 0)
	wantCode(t, "superseded normal token", c.call("/cgi-bin/user/get", normal, nil), 40001)

	// Renewed five minutes before expiry.
	h.Advance(7200*time.Second - 6*time.Minute - 4*time.Minute)
	r := c.post("/cgi-bin/stable_token", "", body)
	if r.Str("access_token") == s1 {
		t.Fatal("stable token not renewed within 5 minutes of expiry")
	}

	body["force_refresh"] = true
	forced := c.post("/cgi-bin/stable_token", "", body).Str("access_token")
	if forced == "" || forced == r.Str("access_token") {
		t.Fatal("force_refresh did not issue a new token")
	}
	wantCode(t, "token replaced by force_refresh", c.call("/cgi-bin/user/get", r.Str("access_token"), nil), 40001)
	wantCode(t, "force_refresh within 30 s", c.post("/cgi-bin/stable_token", "", body), 45011)
	for i := 1; i < apitoken.MaxForcePerDay; i++ {
		h.Advance(31 * time.Second)
		wantCode(t, "force_refresh", c.post("/cgi-bin/stable_token", "", body), 0)
	}
	h.Advance(31 * time.Second)
	wantCode(t, "21st force_refresh of the day", c.post("/cgi-bin/stable_token", "", body), 45009)
}

func TestQuotasClearQuotaAndIPAllowlist(t *testing.T) {
	h := heraldtest.New(t)
	app := h.Internal().App
	c := newClient(t, h)
	svc := h.Service
	tok := c.token(svc)
	old := apitoken.DailyLimits["/cgi-bin/user/get"]
	apitoken.DailyLimits["/cgi-bin/user/get"] = 2
	t.Cleanup(func() { apitoken.DailyLimits["/cgi-bin/user/get"] = old })

	wantCode(t, "call 1", c.call("/cgi-bin/user/get", tok, nil), 0)
	wantCode(t, "call 2", c.call("/cgi-bin/user/get", tok, nil), 0)
	wantCode(t, "call 3", c.call("/cgi-bin/user/get", tok, nil), 45009)
	// Another account has its own quota.
	wantCode(t, "other account", c.call("/cgi-bin/user/get", c.token(h.Subscription), nil), 0)

	q := c.post("/cgi-bin/openapi/quota/get", tok, map[string]string{"cgi_path": "/cgi-bin/user/get"})
	quota := q["quota"].(map[string]any)
	if quota["daily_limit"].(float64) != 2 || quota["used"].(float64) != 2 || quota["remain"].(float64) != 0 {
		t.Fatalf("quota/get: %v", q)
	}
	wantCode(t, "cgi_path without /", c.post("/cgi-bin/openapi/quota/get", tok, map[string]string{"cgi_path": "cgi-bin/user/get"}), 76003)
	wantCode(t, "unknown cgi_path", c.post("/cgi-bin/openapi/quota/get", tok, map[string]string{"cgi_path": "/cgi-bin/nope"}), 76021)

	// Counters live in the database: another node (or a restart) sees them.
	fresh := apitoken.NewQuotas(app.DB, app.Clock)
	if n, err := fresh.Used(context.Background(), svc.ID, "/cgi-bin/user/get"); err != nil || n != 2 {
		t.Fatalf("seen from another node: used %d (%v), want 2", n, err)
	}

	wantCode(t, "clear_quota with another appid", c.post("/cgi-bin/clear_quota", tok, map[string]string{"appid": h.Subscription.AppID}), 40013)
	wantCode(t, "clear_quota", c.post("/cgi-bin/clear_quota", tok, map[string]string{"appid": svc.AppID}), 0)
	wantCode(t, "after clear_quota", c.call("/cgi-bin/user/get", tok, nil), 0)
	for i := 2; i <= apitoken.MaxClearQuotaMonth; i++ {
		wantCode(t, "clear_quota again", c.post("/cgi-bin/clear_quota", tok, map[string]string{"appid": svc.AppID}), 0)
	}
	wantCode(t, "11th clear_quota this month", c.post("/cgi-bin/clear_quota", tok, map[string]string{"appid": svc.AppID}), 48006)

	// IP allowlist: token requests from elsewhere get 40164 with the address.
	if err := app.DevSettings.Save(context.Background(), &push.Settings{AccountID: svc.ID, IPAllowlist: "203.0.113.7\n198.51.100.0/24"}, false); err != nil {
		t.Fatal(err)
	}
	app.API.ForgetAccount(svc.ID)
	r := c.get("/cgi-bin/token", url.Values{"grant_type": {"client_credential"}, "appid": {svc.AppID}, "secret": {svc.AppSecret}})
	wantCode(t, "outside allowlist", r, 40164)
	if !strings.HasPrefix(r.Str("errmsg"), "invalid ip 127.0.0.1 ipv6 ::ffff:127.0.0.1, not in whitelist rid: ") {
		t.Fatalf("errmsg %q", r.Str("errmsg"))
	}
	if err := app.DevSettings.Save(context.Background(), &push.Settings{AccountID: svc.ID, IPAllowlist: "127.0.0.0/8"}, false); err != nil {
		t.Fatal(err)
	}
	app.API.ForgetAccount(svc.ID)
	c.token(svc)
}

func TestAccountTypeVerificationAndSuspension(t *testing.T) {
	h := heraldtest.New(t)
	c := newClient(t, h)
	sub := h.NewAccount("Plain Subscription", account.Subscription, false)
	svc := h.NewAccount("Plain Service", account.Service, false)
	subTok, svcTok := c.token(sub), c.token(svc)
	menu := map[string]any{"button": []map[string]string{{"type": "click", "name": "Hi", "key": "HI"}}}
	wantCode(t, "unverified subscription: menu", c.post("/cgi-bin/menu/create", subTok, menu), 48001)
	wantCode(t, "unverified service: menu", c.post("/cgi-bin/menu/create", svcTok, menu), 0)
	wantCode(t, "unverified: users", c.call("/cgi-bin/user/get", svcTok, nil), 48001)
	wantCode(t, "unverified: customer service", c.post("/cgi-bin/message/custom/send", svcTok, map[string]any{}), 48001)
	wantCode(t, "unverified: conditional menu", c.post("/cgi-bin/menu/addconditional", svcTok, menu), 48001)
	wantCode(t, "verified subscription: QR codes", c.post("/cgi-bin/qrcode/create", c.token(h.Subscription), map[string]any{}), 48001)
	wantCode(t, "unverified: ip list", c.call("/cgi-bin/getcallbackip", subTok, nil), 0)

	tok := c.token(h.Service)
	if err := h.Suspend(h.Service); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "suspended: API call", c.call("/cgi-bin/user/get", tok, nil), 50007)
	wantCode(t, "suspended: token", c.get("/cgi-bin/token", url.Values{"grant_type": {"client_credential"},
		"appid": {h.Service.AppID}, "secret": {h.Service.AppSecret}}), 50007)
}

func TestUnknownPathsAndAnyHost(t *testing.T) {
	h := heraldtest.New(t)
	c := newClient(t, h)
	wantCode(t, "unknown API", c.get("/cgi-bin/does/not/exist", nil), 40066)
	wantCode(t, "sns prefix", c.get("/sns/nothing", nil), 40066)
	// A request for api.weixin.qq.com (DNS/TLS redirection) is served too.
	req := mustReq(t, "GET", h.URL+"/cgi-bin/token?grant_type=client_credential&appid="+h.Service.AppID+"&secret="+h.Service.AppSecret)
	req.Host = "api.weixin.qq.com"
	r, _, _ := c.do(req)
	if r.Str("access_token") == "" {
		t.Fatalf("Host api.weixin.qq.com: %v", r)
	}
}

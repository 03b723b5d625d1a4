package wxapi_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/account"
)

func authorizeURL(appid, redirect, scope, state string) string {
	q := url.Values{"appid": {appid}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {scope}, "state": {state}}
	return "/connect/oauth2/authorize?" + q.Encode() + "#wechat_redirect"
}

// codeFrom checks a redirect to the web app and returns its code.
func codeFrom(t *testing.T, loc, state string) string {
	t.Helper()
	u, err := url.Parse(loc)
	if err != nil || u.Host != "app.example.com" || u.Query().Get("state") != state || u.Query().Get("code") == "" {
		t.Fatalf("redirect %q: want app.example.com with code and state %s", loc, state)
	}
	return u.Query().Get("code")
}

func TestWebSignIn(t *testing.T) {
	h := heraldtest.New(t)
	c := newClient(t, h)
	svc := h.Service
	app := h.Internal().App
	ctx := context.Background()
	if err := app.API.SetOAuthDomains(ctx, svc.ID, []string{"app.example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := app.API.SetOAuthDomains(ctx, svc.ID, []string{"https://app.example.com/x"}); err == nil {
		t.Fatal("a URL was accepted as a domain")
	}
	const back = "https://app.example.com/cb?page=1"

	// A person who never followed: signing in first.
	stranger := h.NewPerson("stranger")
	b := h.Internal().Client(t)
	res := b.Get(authorizeURL(svc.AppID, back, "snsapi_base", "s1"))
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/login?next=") {
		t.Fatalf("signed out: %d %q, want the sign-in page", res.Status, res.Location)
	}
	next, _ := url.QueryUnescape(strings.TrimPrefix(res.Location, "/login?next="))
	b.SignIn(stranger.Name, "heraldtest password")
	// Silent for snsapi_base.
	res = b.Get(next)
	if res.Status != http.StatusFound {
		t.Fatalf("snsapi_base: %d %s", res.Status, res.Body)
	}
	code := codeFrom(t, res.Location, "s1")
	if !strings.Contains(res.Location, "page=1") {
		t.Fatalf("redirect lost the page's own query: %s", res.Location)
	}

	wantCode(t, "wrong secret", c.get("/sns/oauth2/access_token", url.Values{"appid": {svc.AppID}, "secret": {"nope"}, "code": {code}, "grant_type": {"authorization_code"}}), 40125)
	exchange := func(code string) result {
		return c.get("/sns/oauth2/access_token", url.Values{"appid": {svc.AppID}, "secret": {svc.AppSecret}, "code": {code}, "grant_type": {"authorization_code"}})
	}
	r := exchange(code)
	wantCode(t, "access_token", r, 0)
	openid := r.Str("openid")
	if r.Str("scope") != "snsapi_base" || r["expires_in"].(float64) != 7200 || r.Str("access_token") == "" || r.Str("refresh_token") == "" || !strings.HasPrefix(openid, "o") {
		t.Fatalf("access_token: %v", r)
	}
	wantCode(t, "code used twice", exchange(code), 40163)
	wantCode(t, "unknown code", exchange("nope"), 40029)
	wantCode(t, "snsapi_base token for userinfo", c.get("/sns/userinfo", url.Values{"access_token": {r.Str("access_token")}, "openid": {openid}}), 48001)
	wantCode(t, "auth", c.get("/sns/auth", url.Values{"access_token": {r.Str("access_token")}, "openid": {openid}}), 0)
	wantCode(t, "auth, another openid", c.get("/sns/auth", url.Values{"access_token": {r.Str("access_token")}, "openid": {svc.Followers[0].OpenID}}), 40003)

	// The stranger has an openid but is no follower: user/get leaves them
	// out, the follower count is unchanged, user/info says subscribe 0.
	tok := c.token(svc)
	list := c.call("/cgi-bin/user/get", tok, nil)
	if list["total"].(float64) != 3 {
		t.Fatalf("user/get after a web sign-in: %v", list)
	}
	for _, id := range openids(list) {
		if id == openid {
			t.Fatal("user/get lists a person who only signed in on the web")
		}
	}
	if info := c.call("/cgi-bin/user/info", tok, url.Values{"openid": {openid}}); info["subscribe"].(float64) != 0 {
		t.Fatalf("user/info of a non-follower: %v", info)
	}
	wantCode(t, "customer-service message to a web sign-in only", c.post("/cgi-bin/message/custom/send", tok,
		map[string]any{"touser": openid, "msgtype": "text", "text": map[string]string{"content": "hi"}}), 43004)
	// Following later keeps the same openid.
	res2, err := app.Follows.Follow(ctx, svc.ID, stranger.PersonID, "search", "")
	if err != nil || res2.OpenID != openid || !res2.New {
		t.Fatalf("follow after web sign-in: %+v %v", res2, err)
	}

	// snsapi_userinfo asks first; Deny gives the state alone.
	f := h.NewPerson("Ada")
	b = h.Internal().Client(t)
	b.SignIn(f.Name, "heraldtest password")
	ui := authorizeURL(svc.AppID, back, "snsapi_userinfo", "s2")
	res = b.Get(ui)
	if res.Status != 200 || !res.Contains(`data-testid="oauth-consent"`) || !res.Contains("Herald Test Service") || !res.Contains("nickname") {
		t.Fatalf("consent page: %d %s", res.Status, res.Body)
	}
	res = b.PostForm(strings.TrimSuffix(ui, "#wechat_redirect"), url.Values{"decision": {"deny"}})
	if u, _ := url.Parse(res.Location); res.Status != http.StatusFound || u.Query().Get("state") != "s2" || u.Query().Has("code") {
		t.Fatalf("deny: %d %q", res.Status, res.Location)
	}
	res = b.PostForm(strings.TrimSuffix(ui, "#wechat_redirect"), url.Values{"decision": {"allow"}})
	r = exchange(codeFrom(t, res.Location, "s2"))
	wantCode(t, "userinfo exchange", r, 0)
	info := c.get("/sns/userinfo", url.Values{"access_token": {r.Str("access_token")}, "openid": {r.Str("openid")}, "lang": {"zh_CN"}})
	wantCode(t, "userinfo", info, 0)
	if info.Str("nickname") != "Ada" || info.Str("openid") != r.Str("openid") || info["sex"].(float64) != 0 || info.Str("headimgurl") != "" {
		t.Fatalf("userinfo: %v", info)
	}
	if p, ok := info["privilege"].([]any); !ok || len(p) != 0 {
		t.Fatalf("privilege: %v", info)
	}
	// With a profile picture, headimgurl is an absolute URL serving it.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("avatar", "me.png")
	fw.Write(pngImage(t))
	mw.Close()
	req := b.NewRequest("POST", "/me/avatar", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", h.URL)
	if res := b.Do(req); res.Status != http.StatusSeeOther {
		t.Fatalf("avatar upload: %d %s", res.Status, res.Body)
	}
	info = c.get("/sns/userinfo", url.Values{"access_token": {r.Str("access_token")}, "openid": {r.Str("openid")}})
	head := info.Str("headimgurl")
	if !strings.HasPrefix(head, h.URL+"/") {
		t.Fatalf("headimgurl %q, want an absolute URL on Herald", head)
	}
	if res, err := http.Get(head); err != nil || res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("headimgurl serves %v %v", res, err)
	}

	// Refresh: a new access token, the same refresh token, for 30 days.
	rr := c.get("/sns/oauth2/refresh_token", url.Values{"appid": {svc.AppID}, "grant_type": {"refresh_token"}, "refresh_token": {r.Str("refresh_token")}})
	wantCode(t, "refresh", rr, 0)
	if rr.Str("access_token") == r.Str("access_token") || rr.Str("refresh_token") != r.Str("refresh_token") || rr.Str("openid") != r.Str("openid") {
		t.Fatalf("refresh: %v", rr)
	}
	h.Advance(3 * time.Hour)
	wantCode(t, "expired web token", c.get("/sns/userinfo", url.Values{"access_token": {r.Str("access_token")}, "openid": {r.Str("openid")}}), 42001)
	wantCode(t, "auth with an expired token", c.get("/sns/auth", url.Values{"access_token": {r.Str("access_token")}, "openid": {r.Str("openid")}}), 40003)
	h.Advance(31 * 24 * time.Hour)
	wantCode(t, "refresh after 30 days", c.get("/sns/oauth2/refresh_token", url.Values{"appid": {svc.AppID}, "grant_type": {"refresh_token"}, "refresh_token": {r.Str("refresh_token")}}), 42002)

	// Codes expire after 5 minutes.
	b = h.Internal().Client(t)
	b.SignIn(f.Name, "heraldtest password")
	res = b.Get(authorizeURL(svc.AppID, back, "snsapi_base", "s3"))
	code = codeFrom(t, res.Location, "s3")
	h.Advance(6 * time.Minute)
	wantCode(t, "expired code", exchange(code), 42003)
	// The hourly clean-up drops codes and tokens long expired; an unknown
	// code is then just invalid.
	h.Advance(2 * time.Hour)
	if n, err := app.OAuth.DeleteExpired(ctx); err != nil || n == 0 {
		t.Fatalf("clean-up: %d %v", n, err)
	}
	wantCode(t, "code after the clean-up", exchange(code), 40029)
	b = h.Internal().Client(t)
	b.SignIn(f.Name, "heraldtest password")

	// Page-level errors, shown as a page.
	pageErr := func(what, u string, code string) {
		t.Helper()
		res := b.Get(u)
		if res.Status != http.StatusBadRequest || !res.Contains(`data-testid="oauth-error"`) || !res.Contains(">"+code+"<") {
			t.Fatalf("%s: %d, want error page %s\n%s", what, res.Status, code, res.Body)
		}
	}
	pageErr("other domain", authorizeURL(svc.AppID, "https://evil.example.net/cb", "snsapi_base", "s"), "10003")
	// Addresses whose host browsers may read differently: user info,
	// backslashes, escaped hosts, spaces.
	for _, evil := range []string{
		"https://evil%2F@app.example.com/cb",
		"https://evil.example.net@app.example.com/cb",
		"https://user:pass@app.example.com/cb",
		`https://evil.example.net\@app.example.com/cb`,
		`https://app.example.com\.evil.example.net/cb`,
		"https://app.example.com\t/cb",
		" https://app.example.com/cb",
	} {
		pageErr("redirect_uri "+evil, authorizeURL(svc.AppID, evil, "snsapi_base", "s"), "10003")
	}
	pageErr("escaped host", authorizeURL(svc.AppID, "https://app%2Eexample.com/cb", "snsapi_base", "s"), "10011")
	pageErr("no appid", authorizeURL("", back, "snsapi_base", "s"), "10012")
	pageErr("no redirect_uri", authorizeURL(svc.AppID, "", "snsapi_base", "s"), "10011")
	pageErr("no scope", authorizeURL(svc.AppID, back, "", "s"), "10010")
	pageErr("no state", authorizeURL(svc.AppID, back, "snsapi_base", ""), "10013")
	pageErr("Subscription account", authorizeURL(h.Subscription.AppID, back, "snsapi_base", "s"), "10005")
	unverified := h.NewAccount("Unverified Service", account.Service, false)
	pageErr("unverified Service account", authorizeURL(unverified.AppID, back, "snsapi_base", "s"), "10005")
	wantCode(t, "exchange on a Subscription account", c.get("/sns/oauth2/access_token", url.Values{"appid": {h.Subscription.AppID}, "secret": {h.Subscription.AppSecret}, "code": {"x"}, "grant_type": {"authorization_code"}}), 48001)
	// A code of one account cannot be exchanged by another.
	res = b.Get(authorizeURL(svc.AppID, back, "snsapi_base", "s4"))
	code = codeFrom(t, res.Location, "s4")
	other := h.NewAccount("Other Service", account.Service, true)
	wantCode(t, "another account's code", c.get("/sns/oauth2/access_token", url.Values{"appid": {other.AppID}, "secret": {other.AppSecret}, "code": {code}, "grant_type": {"authorization_code"}}), 40029)
}

package compat

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/silenceper/wechat/v2/credential"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/wx/wxcrypt"
)

// TestSDKWebSignInAndJSSDK: silenceper's officialaccount/oauth signs a
// person in through Herald (authorize URL, code exchange, userinfo, auth,
// refresh), and its JS-SDK config is signed with Herald's jsapi_ticket.
func TestSDKWebSignInAndJSSDK(t *testing.T) {
	h := heraldtest.New(t)
	pointAt(h)
	svc := h.Service
	if err := h.Internal().App.API.SetOAuthDomains(t.Context(), svc.ID, []string{"app.example.com"}); err != nil {
		t.Fatal(err)
	}
	oa := account(svc, false)
	o := oa.GetOauth()
	auth, err := o.GetRedirectURL("https://app.example.com/cb", "snsapi_userinfo", "sdk1")
	if err != nil {
		t.Fatal(err)
	}
	// The browser goes to Herald instead of open.weixin.qq.com.
	path := strings.TrimPrefix(strings.TrimSuffix(auth, "#wechat_redirect"), "https://open.weixin.qq.com")
	p := h.NewPerson("grace")
	b := h.Internal().Client(t)
	b.SignIn(p.Name, "heraldtest password")
	if res := b.Get(path); res.Status != http.StatusOK || !res.Contains("oauth-consent") {
		t.Fatalf("consent page: %d", res.Status)
	}
	res := b.PostForm(path, url.Values{"decision": {"allow"}})
	loc, _ := url.Parse(res.Location)
	code := loc.Query().Get("code")
	if res.Status != http.StatusFound || code == "" || loc.Query().Get("state") != "sdk1" {
		t.Fatalf("allow: %d %q", res.Status, res.Location)
	}

	tok, err := o.GetUserAccessToken(code)
	if err != nil || tok.OpenID == "" || tok.Scope != "snsapi_userinfo" || tok.ExpiresIn != 7200 {
		t.Fatalf("GetUserAccessToken: %+v %v", tok, err)
	}
	if _, err := o.GetUserAccessToken(code); errcode(err) != 40163 {
		t.Fatalf("second exchange: %v, want 40163", err)
	}
	info, err := o.GetUserInfo(tok.AccessToken, tok.OpenID, "zh_CN")
	if err != nil || info.Nickname != "grace" || info.OpenID != tok.OpenID {
		t.Fatalf("GetUserInfo: %+v %v", info, err)
	}
	if ok, err := o.CheckAccessToken(tok.AccessToken, tok.OpenID); !ok || err != nil {
		t.Fatalf("CheckAccessToken: %v %v", ok, err)
	}
	if ok, _ := o.CheckAccessToken(tok.AccessToken, svc.Followers[0].OpenID); ok {
		t.Fatal("CheckAccessToken accepted another openid")
	}
	re, err := o.RefreshAccessToken(tok.RefreshToken)
	if err != nil || re.AccessToken == "" || re.AccessToken == tok.AccessToken || re.OpenID != tok.OpenID {
		t.Fatalf("RefreshAccessToken: %+v %v", re, err)
	}

	// JS-SDK: the SDK fetches the ticket from Herald and signs the page.
	cfg, err := oa.GetJs().GetConfig("https://app.example.com/page?x=1")
	if err != nil {
		t.Fatalf("GetConfig: %v", err)
	}
	at, err := oa.GetAccessToken()
	if err != nil {
		t.Fatal(err)
	}
	ticket, err := credential.GetTicketFromServer(at)
	if err != nil || ticket.Ticket == "" || ticket.ExpiresIn <= 0 {
		t.Fatalf("GetTicketFromServer: %+v %v", ticket, err)
	}
	if want := wxcrypt.JSSDKSignature(ticket.Ticket, cfg.NonceStr, cfg.Timestamp, "https://app.example.com/page?x=1"); cfg.Signature != want {
		t.Fatalf("SDK signature %s, Herald's %s: the ticket changed within its 7200 s", cfg.Signature, want)
	}
}

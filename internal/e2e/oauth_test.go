package e2e

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/user"
)

// TestWebSignInOnAPhone: the account admin registers the web app's domain
// in the console; a signed-out person opens the web app, signs in to
// Herald, allows the sign-in on the consent page, and the web app greets
// them by their nickname (through /sns/oauth2/access_token and
// /sns/userinfo, as a WeChat web app does).
func TestWebSignInOnAPhone(t *testing.T) {
	t.Parallel()
	h := heraldtest.New(t)
	s := h.Internal()
	svc := h.Service
	admin := s.CreatePerson(t, "oauthadmin", "a long enough secret", user.RoleNone)
	if err := s.App.Accounts.AddMember(t.Context(), svc.ID, admin.ID, account.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	ada := h.NewPerson("ada")

	var web *httptest.Server
	getJSON := func(u string) (map[string]any, error) {
		res, err := http.Get(u)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		var m map[string]any
		return m, json.NewDecoder(res.Body).Decode(&m)
	}
	web = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			q := url.Values{"appid": {svc.AppID}, "redirect_uri": {web.URL + "/cb"}, "response_type": {"code"}, "scope": {"snsapi_userinfo"}, "state": {"xyz"}}
			http.Redirect(w, r, s.URL+"/connect/oauth2/authorize?"+q.Encode()+"#wechat_redirect", http.StatusFound)
		case "/cb":
			code := r.URL.Query().Get("code")
			if code == "" {
				fmt.Fprint(w, `<p data-testid="app-result">You said no.</p>`)
				return
			}
			tok, err := getJSON(s.URL + "/sns/oauth2/access_token?" + url.Values{"appid": {svc.AppID}, "secret": {svc.AppSecret}, "code": {code}, "grant_type": {"authorization_code"}}.Encode())
			if err != nil || tok["access_token"] == nil {
				http.Error(w, fmt.Sprintf("token: %v %v", tok, err), 500)
				return
			}
			info, err := getJSON(s.URL + "/sns/userinfo?" + url.Values{"access_token": {tok["access_token"].(string)}, "openid": {tok["openid"].(string)}, "lang": {"zh_CN"}}.Encode())
			if err != nil || info["nickname"] == nil {
				http.Error(w, fmt.Sprintf("userinfo: %v %v", info, err), 500)
				return
			}
			fmt.Fprintf(w, `<p data-testid="app-result">Hello, %s (state %s)</p>`, html.EscapeString(info["nickname"].(string)), html.EscapeString(r.URL.Query().Get("state")))
		default:
			http.NotFound(w, r)
		}
	}))
	defer web.Close()
	webHost := strings.TrimPrefix(web.URL, "http://")

	ctx := Browser(t)
	do(t, ctx, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait))
	base := fmt.Sprintf("/mp/a/%d/dev/oauth", svc.ID)
	signIn(t, ctx, s, "oauthadmin", "a long enough secret", base, `[data-testid=oauth-domains-form]`)
	fitsSmallPhone(t, ctx, "the web sign-in settings")
	do(t, ctx, "a URL is not a domain",
		chromedp.SetValue(`[data-testid=oauth-domains]`, "https://"+webHost+"/cb"),
		chromedp.Click(`[data-testid=oauth-domains-save]`),
		chromedp.WaitVisible(`[data-testid=oauth-domains-error]`),
	)
	do(t, ctx, "register the web app's domain",
		chromedp.SetValue(`[data-testid=oauth-domains]`, webHost),
		chromedp.Click(`[data-testid=oauth-domains-save]`),
		chromedp.WaitVisible(byText("*", "Web sign-in domains saved.")),
	)
	if v := run(t, ctx, "read the domains", chromedp.Value[string](`[data-testid=oauth-domains]`)); strings.TrimSpace(v) != webHost {
		t.Fatalf("saved domains %q, want %q", v, webHost)
	}
	// The follower uses their own phone (a fresh browser context).
	ctx = Browser(t)
	do(t, ctx, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait))

	// A signed-out person opens the web app.
	do(t, ctx, "open the web app, signed out",
		chromedp.Navigate(web.URL+"/"),
		chromedp.WaitVisible(`input[name=login]`),
		chromedp.SendKeys(`input[name=login]`, ada.Name),
		chromedp.SendKeys(`input[name=password]`, "heraldtest password"),
		chromedp.Click(byText("button", "Sign in")),
		chromedp.WaitVisible(`[data-testid=oauth-consent]`),
	)
	fitsSmallPhone(t, ctx, "the consent page")
	consent := run(t, ctx, "read the consent page", chromedp.Text[string](`[data-testid=oauth-consent]`))
	for _, want := range []string{svc.Name, "✓", "nickname", "ada", "profile picture"} {
		if !strings.Contains(consent, want) {
			t.Fatalf("consent page lacks %q:\n%s", want, consent)
		}
	}
	do(t, ctx, "allow", chromedp.Click(`[data-testid=oauth-allow]`), chromedp.WaitVisible(`[data-testid=app-result]`))
	if got := run(t, ctx, "read the web app", chromedp.Text[string](`[data-testid=app-result]`)); got != "Hello, ada (state xyz)" {
		t.Fatalf("web app says %q", got)
	}
	// Deny sends the person back without a code.
	do(t, ctx, "deny this time",
		chromedp.Navigate(web.URL+"/"),
		chromedp.WaitVisible(`[data-testid=oauth-deny]`),
		chromedp.Click(`[data-testid=oauth-deny]`),
		chromedp.WaitVisible(byText("p", "You said no.")),
	)
}

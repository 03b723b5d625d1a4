package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/wx/wxcrypt"
)

// TestDeveloperSettingsAndPushLogOnAPhone: an account admin sets up message
// push on a 360 px phone (generated key, safe mode, the URL handshake), a
// follower's message reaches the server, and the push log explains it.
func TestDeveloperSettingsAndPushLogOnAPhone(t *testing.T) {
	t.Parallel()
	h := heraldtest.New(t)
	s := h.Internal()
	svc := h.Service
	admin := s.CreatePerson(t, "devadmin", "a long enough secret", user.RoleNone)
	if err := s.App.Accounts.AddMember(t.Context(), svc.ID, admin.ID, account.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 4)
	dev := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if !wxcrypt.CheckSignature("phoneToken1", q.Get("timestamp"), q.Get("nonce"), q.Get("signature")) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodGet {
			io.WriteString(w, q.Get("echostr"))
			return
		}
		b, _ := io.ReadAll(r.Body)
		got <- string(b)
		io.WriteString(w, "success")
	}))
	defer dev.Close()

	ctx := Browser(t)
	do(t, ctx, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait))
	base := fmt.Sprintf("/mp/a/%d/dev", svc.ID)
	signIn(t, ctx, s, "devadmin", "a long enough secret", base, `[data-testid=dev-form]`)
	fitsSmallPhone(t, ctx, "the developer page")
	if appid := run(t, ctx, "read the AppID", chromedp.Text[string](`[data-testid=appid]`)); appid != svc.AppID {
		t.Fatalf("AppID shown %q, want %q", appid, svc.AppID)
	}
	do(t, ctx, "generate an EncodingAESKey",
		chromedp.Click(`[data-testid=generate-key]`),
		chromedp.WaitVisible(chromedp.Search(`//*[contains(text(), "A new EncodingAESKey was generated")]`)),
	)
	key := run(t, ctx, "read the key", chromedp.Value[string](`[data-testid=aes-key]`))
	if len(key) != 43 {
		t.Fatalf("generated key %q", key)
	}
	do(t, ctx, "fill in the server and save",
		chromedp.SetValue(`input[name=url]`, dev.URL+"/wechat"),
		chromedp.SetValue(`input[name=token]`, "phoneToken1"),
		chromedp.Click(`input[name=mode][value=safe]`),
		chromedp.SetAttributeValue(`input[name=enabled]`, "checked", "checked"),
		chromedp.Click(`[data-testid=dev-save]`),
		chromedp.WaitVisible(byText("*", "Your server answered the verification. Message push is on.")),
	)
	if _, err := h.Send(svc, svc.Followers[0], "hello from the phone test"); err != nil {
		t.Fatal(err)
	}
	body := <-got
	if strings.Contains(body, "hello from the phone test") || !strings.Contains(body, "<Encrypt>") {
		t.Fatalf("safe-mode push body %s", body)
	}
	do(t, ctx, "open the push log",
		chromedp.Navigate(s.URL+base+"/pushes"),
		chromedp.WaitVisible(`[data-testid=push-log]`),
	)
	fitsSmallPhone(t, ctx, "the push log")
	do(t, ctx, "open the delivery",
		chromedp.Click(`//table[@data-testid="push-log"]//tr[td[contains(., "Text message") and contains(., "hello from the phone test")]]//a`),
		chromedp.WaitVisible(`[data-testid=checks]`),
	)
	fitsSmallPhone(t, ctx, "a delivery")
	checks := run(t, ctx, "read the checks", chromedp.Text[string](`[data-testid=checks]`))
	for _, want := range []string{"Sign the request", "Encrypt the message", "Attempt 1", "no reply"} {
		if !strings.Contains(checks, want) {
			t.Errorf("checks lack %q: %s", want, checks)
		}
	}
	do(t, ctx, "replay it",
		chromedp.Click(`[data-testid=replay]`),
		chromedp.WaitVisible(byText("*", "Replayed: your server answered.")),
	)
	if replayed := <-got; replayed == body {
		t.Fatal("the replay reused the old signature and ciphertext instead of signing afresh")
	}
}

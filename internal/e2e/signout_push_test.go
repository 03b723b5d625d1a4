package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/webpush"
)

// stubPush makes every page the tab opens see a service worker registration
// whose push subscription has the given endpoint and records its
// unsubscribe in localStorage; with hang, asking for the registration
// never answers (a stuck service worker).
func stubPush(t *testing.T, ctx context.Context, endpoint string, hang bool) {
	t.Helper()
	do(t, ctx, "stub the Push API", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: fmt.Sprintf(`
			(() => {
				const sw = navigator.serviceWorker;
				if (!sw) return;
				const endpoint = %q, hang = %t;
				const sub = { endpoint, unsubscribe: () => { localStorage.setItem("unsubscribed", endpoint); return Promise.resolve(true); } };
				sw.getRegistration = () => hang ? new Promise(() => {}) :
					Promise.resolve({ pushManager: { getSubscription: () => Promise.resolve(sub) } });
			})();`, endpoint, hang)})
		return chromedp.Void{}, err
	})
}

// TestSignOutDropsThePushSubscription: signing out, from the follower app
// or the console, unsubscribes the browser from Web Push and the server
// forgets the subscription, so a signed-out browser is not notified; when
// the browser's push machinery hangs, signing out still completes.
func TestSignOutDropsThePushSubscription(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	mei := s.CreatePerson(t, "mei", "follower password 1", user.RoleNone)
	const endpoint = "https://push.example.test/v1/browser-1"
	subs := func() int {
		t.Helper()
		list, err := s.App.WebPush.Subscriptions(t.Context(), mei.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}

	tab := Browser(t)
	problems := consoleProblems(t, tab)
	stubPush(t, tab, endpoint, false)
	signIn(t, tab, s, "mei", "follower password 1", "/me", `[data-testid=me-name]`)
	in := &webpush.NewSubscription{Endpoint: endpoint}
	in.Keys.P256dh, in.Keys.Auth = "BAAA", "AAAA"
	if _, err := s.App.WebPush.Subscribe(t.Context(), mei.ID, in, "Chrome on Android"); err != nil {
		t.Fatal(err)
	}
	do(t, tab, "sign out from Me",
		chromedp.Click(chromedp.CSS(`[data-testid=signout]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-form]`)),
	)
	if got := run(t, tab, "read what was unsubscribed", chromedp.Evaluate[string](`localStorage.getItem("unsubscribed") || ""`)); got != endpoint {
		t.Errorf("the browser's subscription was not unsubscribed (got %q)", got)
	}
	if body := run(t, tab, "read the page", chromedp.Text(chromedp.CSS(`body`))); !strings.Contains(body, "You are signed out.") {
		t.Errorf("the sign-in page does not say the person signed out:\n%s", body)
	}
	if n := subs(); n != 0 {
		t.Errorf("the server still has %d subscriptions after signing out", n)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console problems: %v", p)
	}

	// The console's sign-out, with a service worker that never answers.
	stuck := Browser(t)
	stubPush(t, stuck, endpoint, true)
	signIn(t, stuck, s, "mei", "follower password 1", "/mp/", `[data-testid=signout]`)
	do(t, stuck, "sign out from the console",
		chromedp.Click(chromedp.CSS(`[data-testid=signout]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-form]`)),
	)
	if p := path(t, stuck, s); p != "/login" {
		t.Errorf("after signing out the browser is at %s, want /login", p)
	}
}

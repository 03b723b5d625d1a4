package wxpay_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/outbound"
)

// A notify_url pointing inside the platform's network is refused when the
// notification is sent, after DNS and without following a redirect inward,
// and nothing the internal service answers is stored where the merchant
// sees it.
func TestNotifyURLInsideThePlatformIsRefusedWithoutItsAnswer(t *testing.T) {
	const inside = "# HELP go_gc_duration_seconds internal"
	var reached atomic.Int64
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		io.WriteString(w, inside)
	}))
	t.Cleanup(internal.Close)
	port := internal.URL[strings.LastIndex(internal.URL, ":")+1:]

	s := apptest.New(t)
	ctx := context.Background()
	sh := newShop(t, s, "Harbour Bank", "n", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1")
	// The platform's default policy, plus 127.0.0.2 standing in for a
	// public host that redirects inward.
	s.App.PayAPI.HTTP = outbound.NewPolicy([]netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}).Client(5 * time.Second)

	targets := []string{internal.URL + "/metrics", "http://localhost:" + port + "/notify", "http://10.0.0.1/notify",
		"http://169.254.169.254/latest/meta-data/", "http://[::1]:" + port + "/", "http://[::ffff:127.0.0.1]:" + port + "/"}
	want := map[string]string{} // notify_url → what last_status must say
	for _, u := range targets {
		want[u] = "Herald does not connect to"
	}
	if ln, err := net.Listen("tcp", "127.0.0.2:0"); err == nil {
		pub := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, internal.URL+"/metrics", http.StatusFound)
		})}}
		pub.Start()
		t.Cleanup(pub.Close)
		targets = append(targets, pub.URL+"/notify")
		want[pub.URL+"/notify"] = "302" // the redirect is the answer, not followed
	}

	for i, u := range targets {
		no := "ssrf-order-" + string(rune('a'+i))
		if a := sh.jsapi(no, 100, u); a.Status != 200 {
			t.Fatalf("jsapi with notify_url %s: %d %s", u, a.Status, a.Body)
		}
		o, err := s.App.Pay.OrderByOutTradeNo(ctx, sh.acct.ID, no)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.Pay.Pay(ctx, o.ID, sh.buyer); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.App.PayAPI.DeliverDue(ctx); err != nil || n != 0 {
		t.Fatalf("DeliverDue: %d acknowledged, %v; want none", n, err)
	}
	ns, err := s.App.Pay.Notifications(ctx, sh.acct.ID, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != len(targets) {
		t.Fatalf("%d notifications, want %d", len(ns), len(targets))
	}
	for _, n := range ns {
		if n.State != "pending" || n.Attempts != 1 || !strings.Contains(n.LastStatus, want[n.URL]) || strings.Contains(n.LastStatus, "go_gc") {
			t.Errorf("notification to %s: state %s, attempts %d, last status %q; want a refusal saying %q", n.URL, n.State, n.Attempts, n.LastStatus, want[n.URL])
		}
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the internal server was reached %d times", n)
	}
}

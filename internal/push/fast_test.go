package push_test

import (
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/outbound"
	"github.com/heraldoa/herald/internal/push"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
)

// fastEngine is an engine that pushes over the fasthttp client of policy
// (as app.New builds it), with its URL handshake client unset.
func fastEngine(t *testing.T, policy *outbound.Policy, o push.Options) (*push.Engine, *account.Account, string) {
	h := heraldtest.New(t)
	app := h.Internal().App
	a, err := app.Accounts.ByID(context.Background(), h.Service.ID)
	if err != nil {
		t.Fatal(err)
	}
	e := push.NewEngine(push.Deps{Store: app.DevSettings, Accounts: app.Accounts, TempMedia: app.TempMedia, Media: app.Media, Clock: app.Clock,
		Fast: policy.FastClient(push.MaxResponse)}, o)
	return e, a, h.Service.Followers[0].OpenID
}

func fastPush(ctx context.Context, e *push.Engine, a *account.Account, openid, url string) *push.Delivery {
	set := &push.Settings{AccountID: a.ID, URL: url, Token: token, Mode: push.Plaintext, Enabled: true}
	msg := wxmsg.NewText(a.OriginalID, openid, time.Now().Unix(), time.Now().UnixNano(), "hello")
	d, _ := e.Deliver(ctx, a, set, msg, 0, push.KindMessage, 0)
	return d
}

// The fasthttp client dials through the policy: a loopback server is
// refused, with the refusal in the log, and never hears of the push.
func TestFastClientRefusesWhatThePolicyBlocks(t *testing.T) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		io.WriteString(w, "success")
	}))
	t.Cleanup(srv.Close)
	e, a, openid := fastEngine(t, outbound.NewPolicy(nil), push.Options{Attempts: 1})
	d := fastPush(context.Background(), e, a, openid, srv.URL+"/wx")
	if d.OK || !strings.Contains(d.Error.English(), "Herald does not connect to 127.0.0.1: it is a loopback address") || got.Load() != 0 {
		t.Fatalf("delivery %+v, error %q, server saw %d", d, d.Error.English(), got.Load())
	}
}

// A push whose context ends (the node shutting down) returns then, while
// the server still holds the request, as with net/http.
func TestFastPushEndsWithItsContext(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
		io.WriteString(w, "success")
	}))
	t.Cleanup(srv.Close)
	defer close(release) // before srv.Close, which waits for the handler
	e, a, openid := fastEngine(t, outbound.NewPolicy(outbound.Loopback), push.Options{Attempts: 1, Timeout: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	d := fastPush(ctx, e, a, openid, srv.URL+"/wx")
	if d.OK || !strings.Contains(d.Error.English(), "context canceled") {
		t.Fatalf("delivery %+v, error %q", d, d.Error.English())
	}
}

// A server that closes kept-alive connections while they are idle: the
// next push finds its connection closed and is sent again on a new one,
// in the same attempt; a gzip answer is read unzipped.
func TestFastPushSurvivesIdleConnectionsClosedAndGzip(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if n.Add(1) == 2 && r.Header.Get("Accept-Encoding") == "gzip" {
			w.Header().Set("Content-Encoding", "gzip")
			z := gzip.NewWriter(w)
			io.WriteString(z, "success")
			z.Close()
			return
		}
		io.WriteString(w, "success")
	}))
	var conns atomic.Int64
	srv.Config.IdleTimeout = 20 * time.Millisecond
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	e, a, openid := fastEngine(t, outbound.NewPolicy(outbound.Loopback), push.Options{Attempts: 1})
	for i := range 3 {
		d := fastPush(context.Background(), e, a, openid, srv.URL+"/wx")
		if !d.OK || d.Attempts != 1 {
			t.Fatalf("push %d: %+v, error %q", i, d, d.Error.English())
		}
		time.Sleep(100 * time.Millisecond) // past the server's idle timeout
	}
	if n.Load() != 3 || conns.Load() != 3 {
		t.Fatalf("the server answered %d pushes on %d connections, want 3 on 3", n.Load(), conns.Load())
	}
}

// An answer longer than the limit is a failure to read it.
func TestFastPushRefusesAnOverlongAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", push.MaxResponse+1))
	}))
	t.Cleanup(srv.Close)
	e, a, openid := fastEngine(t, outbound.NewPolicy(outbound.Loopback), push.Options{Attempts: 1})
	d := fastPush(context.Background(), e, a, openid, srv.URL+"/wx")
	if d.OK || !strings.Contains(d.Error.English(), "reading the answer failed") {
		t.Fatalf("delivery %+v, error %q", d, d.Error.English())
	}
}

// Pushes to an HTTPS address: the server's certificate is verified (one
// the client does not trust is refused, and the server's handler never
// runs), and a trusted one carries the push.
func TestFastPushOverHTTPSVerifiesTheCertificate(t *testing.T) {
	var got atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		io.WriteString(w, "success")
	}))
	t.Cleanup(srv.Close)
	policy := outbound.NewPolicy(outbound.Loopback)
	e, a, openid := fastEngine(t, policy, push.Options{Attempts: 1})
	d := fastPush(context.Background(), e, a, openid, srv.URL+"/wx")
	if d.OK || !strings.Contains(d.Error.English(), "certificate") || got.Load() != 0 {
		t.Fatalf("push to an untrusted certificate: %+v, error %q, server saw %d", d, d.Error.English(), got.Load())
	}

	trusted := x509.NewCertPool()
	trusted.AddCert(srv.Certificate())
	fc := policy.FastClient(push.MaxResponse)
	fc.TLSConfig = &tls.Config{RootCAs: trusted}
	h := heraldtest.New(t)
	app := h.Internal().App
	a2, err := app.Accounts.ByID(context.Background(), h.Service.ID)
	if err != nil {
		t.Fatal(err)
	}
	e2 := push.NewEngine(push.Deps{Store: app.DevSettings, Accounts: app.Accounts, TempMedia: app.TempMedia, Media: app.Media, Clock: app.Clock, Fast: fc}, push.Options{Attempts: 1})
	if d := fastPush(context.Background(), e2, a2, h.Service.Followers[0].OpenID, srv.URL+"/wx"); !d.OK || got.Load() != 1 {
		t.Fatalf("push to a trusted certificate: %+v, error %q, server saw %d", d, d.Error.English(), got.Load())
	}
}

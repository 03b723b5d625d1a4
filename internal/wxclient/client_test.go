package wxclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeAPI answers /cgi-bin/token with numbered tokens and /cgi-bin/x with
// the scripted answers in order (the last one repeats).
type fakeAPI struct {
	mu      sync.Mutex
	tokens  int
	answers []string
	calls   int
	seen    []string // access_token of each /cgi-bin/x call
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/cgi-bin/token":
		if r.URL.Query().Get("secret") != "s3cret" {
			io.WriteString(w, `{"errcode":40001,"errmsg":"invalid credential"}`)
			return
		}
		f.tokens++
		fmt.Fprintf(w, `{"access_token":"T%d","expires_in":7200}`, f.tokens)
	case "/cgi-bin/x":
		f.seen = append(f.seen, r.URL.Query().Get("access_token"))
		a := f.answers[min(f.calls, len(f.answers)-1)]
		f.calls++
		if strings.HasPrefix(a, "HTTP ") {
			var code int
			fmt.Sscanf(a, "HTTP %d", &code)
			w.WriteHeader(code)
			return
		}
		if strings.HasPrefix(a, "FILE ") {
			w.Header().Set("Content-Type", "image/png")
			w.Header().Set("Content-Disposition", `attachment; filename="a.png"`)
			io.WriteString(w, strings.TrimPrefix(a, "FILE "))
			return
		}
		io.WriteString(w, a)
	default:
		http.NotFound(w, r)
	}
}

func client(t *testing.T, answers ...string) (*Client, *fakeAPI) {
	f := &fakeAPI{answers: answers}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return &Client{BaseURL: srv.URL, AppID: "wx1", Secret: "s3cret", Backoff: time.Millisecond}, f
}

func TestTransientAnswersAreRetried(t *testing.T) {
	c, f := client(t, `{"errcode":-1,"errmsg":"system error"}`, `{"errcode":45011,"errmsg":"api minute-quota reach limit"}`, "HTTP 502", `{"n":7}`)
	var out struct{ N int }
	if err := c.Call(context.Background(), http.MethodGet, "/cgi-bin/x", nil, nil, &out); err != nil || out.N != 7 {
		t.Fatalf("%v %+v", err, out)
	}
	if f.calls != 4 {
		t.Errorf("%d calls, want 4", f.calls)
	}
}

func TestRetriesEnd(t *testing.T) {
	c, f := client(t, `{"errcode":-1,"errmsg":"system error"}`)
	c.Retries = 2
	err := c.Call(context.Background(), http.MethodGet, "/cgi-bin/x", nil, nil, nil)
	if Code(err) != -1 || f.calls != 3 {
		t.Fatalf("%v after %d calls", err, f.calls)
	}
}

func TestLastingErrorsAreNotRetried(t *testing.T) {
	for _, a := range []string{`{"errcode":45009,"errmsg":"reach max api daily quota limit"}`, `{"errcode":40013,"errmsg":"invalid appid"}`, "HTTP 404"} {
		c, f := client(t, a)
		err := c.Call(context.Background(), http.MethodGet, "/cgi-bin/x", nil, nil, nil)
		if err == nil || f.calls != 1 {
			t.Errorf("%s: %v after %d calls", a, err, f.calls)
		}
	}
	c, _ := client(t, `{"errcode":45009,"errmsg":"reach max api daily quota limit"}`)
	err := c.Call(context.Background(), http.MethodGet, "/cgi-bin/x", nil, nil, nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != 45009 || ae.Path != "/cgi-bin/x" || !strings.Contains(err.Error(), "daily quota") {
		t.Errorf("45009: %v", err)
	}
}

func TestExpiredTokenIsRenewedOnce(t *testing.T) {
	c, f := client(t, `{"errcode":42001,"errmsg":"access_token expired"}`, `{"errcode":0,"errmsg":"ok"}`)
	if err := c.Call(context.Background(), http.MethodGet, "/cgi-bin/x", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Join(f.seen, ",") != "T1,T2" || c.Token != "T2" {
		t.Errorf("tokens used: %v, kept %q", f.seen, c.Token)
	}
	// A token that stays bad is reported, not renewed for ever.
	c, f = client(t, `{"errcode":40001,"errmsg":"invalid credential"}`)
	if err := c.Call(context.Background(), http.MethodGet, "/cgi-bin/x", nil, nil, nil); Code(err) != 40001 || f.calls != 2 {
		t.Errorf("%v after %d calls", err, f.calls)
	}
	// A wrong secret is the token call's error.
	c, _ = client(t, `{}`)
	c.Secret = "wrong"
	if err := c.Call(context.Background(), http.MethodGet, "/cgi-bin/x", nil, nil, nil); Code(err) != 40001 || !strings.Contains(err.Error(), "/cgi-bin/token") {
		t.Errorf("wrong secret: %v", err)
	}
}

func TestCallFileReturnsTheFileOrTheError(t *testing.T) {
	c, _ := client(t, "FILE png-bytes", `{"errcode":40007,"errmsg":"invalid media_id"}`)
	f, err := c.CallFile(context.Background(), http.MethodPost, "/cgi-bin/x", nil, map[string]string{"media_id": "M1"}, nil, 1<<10)
	if err != nil || string(f.Data) != "png-bytes" || f.ContentType != "image/png" || f.Name != "a.png" {
		t.Fatalf("%+v %v", f, err)
	}
	if _, err := c.CallFile(context.Background(), http.MethodPost, "/cgi-bin/x", nil, nil, nil, 1<<10); Code(err) != 40007 {
		t.Errorf("an error answer: %v", err)
	}
	c, _ = client(t, "FILE "+strings.Repeat("x", 2000))
	if _, err := c.CallFile(context.Background(), http.MethodPost, "/cgi-bin/x", nil, nil, nil, 1<<10); err == nil || !strings.Contains(err.Error(), "larger") {
		t.Errorf("an oversized file: %v", err)
	}
}

func TestCallsAreSpaced(t *testing.T) {
	c := &Client{Interval: 50 * time.Millisecond}
	t0 := time.Unix(1000, 0)
	// Three calls at once start 50 ms apart.
	for i, want := range []time.Duration{0, 50, 100} {
		if got := c.reserve(t0).Sub(t0); got != want*time.Millisecond {
			t.Errorf("call %d starts at +%v, want +%v", i, got, want*time.Millisecond)
		}
	}
	// After a quiet second a call starts at once.
	if got := c.reserve(t0.Add(time.Second)); !got.Equal(t0.Add(time.Second)) {
		t.Errorf("after a pause: %v", got.Sub(t0))
	}
	cc, _ := client(t, `{}`)
	cc.Interval, cc.Token = time.Hour, "T0"
	if err := cc.Call(context.Background(), http.MethodGet, "/cgi-bin/x", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	// The next call would wait an hour: a cancelled context ends the wait.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := cc.Call(ctx, http.MethodGet, "/cgi-bin/x", nil, nil, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a call past its deadline: %v", err)
	}
}

func TestDownloadRefusesOtherSchemes(t *testing.T) {
	c, _ := client(t, `{}`)
	for _, u := range []string{"file:///etc/passwd", "ftp://x/y", "/relative", ""} {
		if _, err := c.Download(context.Background(), u, 100); err == nil {
			t.Errorf("%q downloaded", u)
		}
	}
}

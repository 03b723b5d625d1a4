// Package apptest runs a complete Herald on a real TCP listener for HTTP
// tests: a fresh migrated database (see dbtest), an adjustable clock, and
// browser-like clients with their own cookie jars.
//
//	s := apptest.New(t)
//	s.CreatePerson(t, "ada", "correct horse", user.RoleNone)
//	c := s.Client(t)
//	c.SignIn("ada", "correct horse")
//	res := c.Get("/me")
package apptest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/config"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/web"
)

// Server is one running Herald.
type Server struct {
	URL   string        // http://127.0.0.1:port, also the app's base URL
	App   *app.App      // the application, for direct access to its stores
	Clock *clock.Offset // the app's clock; Advance it instead of sleeping
	HTTP  *httptest.Server
}

// New starts a Herald on a fresh database; it stops when the test ends.
// Server-side log lines at info level and above go to the test log.
func New(t testing.TB) *Server {
	t.Helper()
	return NewWith(t, app.Options{})
}

// NewWith is New with the test's options for app.New (engine tuning and
// hooks); the clock is always the Server's.
func NewWith(t testing.TB, opts app.Options) *Server {
	t.Helper()
	d := dbtest.New(t)
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()

	noEnv := func(string) string { return "" } // never pick up the developer's HERALD_* settings
	// Tests push to developer servers on httptest listeners: loopback is
	// allowed here explicitly; the platform's default refuses it.
	cfg, err := config.Parse("test", []string{"--listen", "127.0.0.1:0", "--data", t.TempDir(), "--outbound-allow", "127.0.0.0/8,::1",
		// Test clients connect from loopback as a trusted proxy would, so a
		// Client's ForwardedFor can stand for different client addresses.
		"--trusted-proxies", "127.0.0.1/32"}, noEnv, io.Discard)
	if err != nil {
		srv.Listener.Close()
		t.Fatalf("apptest: config: %v", err)
	}
	cfg.BaseURL = base
	secret, err := cfg.LoadSecret()
	if err != nil {
		srv.Listener.Close()
		t.Fatalf("apptest: secret: %v", err)
	}

	lw := &logWriter{t: t}
	t.Cleanup(lw.stop) // registered first, so it runs after the server has stopped
	log := slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelInfo}))

	clk := &clock.Offset{}
	opts.Clock = clk
	a, err := app.New(cfg, log, d, secret, opts)
	if err != nil {
		srv.Listener.Close()
		t.Fatalf("apptest: %v", err)
	}
	srv.Config.Handler = a.Handler()
	srv.Config.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	srv.Start()
	t.Cleanup(srv.Close)
	return &Server{URL: srv.URL, App: a, Clock: clk, HTTP: srv}
}

// CreatePerson adds a person directly through the store; role is one of
// user.RoleNone, user.RoleAdmin and user.RoleReviewer.
func (s *Server) CreatePerson(t testing.TB, username, password, role string) *user.Person {
	t.Helper()
	p, err := s.App.Users.Create(context.Background(), user.NewPerson{
		Username: username, Password: password, PlatformRole: role,
	})
	if err != nil {
		t.Fatalf("apptest: create person %q: %v", username, err)
	}
	return p
}

// Client is a browser-like HTTP client with its own cookie jar. It does not
// follow redirects unless Follow is set, so tests see every 303 and its
// Location. Transport failures end the test.
type Client struct {
	t      testing.TB
	server *Server
	base   *url.URL
	HTTP   *http.Client // follows redirects when Follow is set
	Jar    *cookiejar.Jar

	transport *http.Transport
	// Follow makes the client follow redirects (as a browser would).
	Follow bool
	// ForwardedFor, when set, is sent as X-Forwarded-For: the client's
	// address as the trusted proxy (loopback) reports it.
	ForwardedFor string
	// AcceptLanguage is sent as Accept-Language unless a request sets its
	// own: "en" by default, so pages read as the tests' English texts
	// until a person chooses a language; set it to test another.
	AcceptLanguage string
}

// Client returns a new client with an empty cookie jar.
func (s *Server) Client(t testing.TB) *Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatalf("apptest: %v", err)
	}
	base, _ := url.Parse(s.URL)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	c := &Client{t: t, server: s, base: base, Jar: jar, transport: tr, AcceptLanguage: "en"}
	c.HTTP = &http.Client{
		Transport: tr,
		Jar:       jar,
		Timeout:   30 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if !c.Follow {
				return http.ErrUseLastResponse
			}
			if len(via) >= 10 {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
	return c
}

// Response is what a request returned.
type Response struct {
	Status   int
	Location string // the Location header, as sent
	Body     string
	Header   http.Header
	URL      *url.URL // the URL of the last request (after followed redirects)
}

// Contains reports whether the body contains s.
func (r *Response) Contains(s string) bool { return strings.Contains(r.Body, s) }

// NewRequest builds a request for path (relative to the server) that Do can
// send; use it to set unusual headers.
func (c *Client) NewRequest(method, path string, body io.Reader) *http.Request {
	c.t.Helper()
	req, err := http.NewRequest(method, c.server.URL+path, body)
	if err != nil {
		c.t.Fatalf("apptest: %s %s: %v", method, path, err)
	}
	return req
}

// Do sends req with the client's cookies and reads the whole response.
// Without Follow, the response is returned as the server sent it, even
// with a Location header that Go's client would refuse to parse.
func (c *Client) Do(req *http.Request) *Response {
	if c.ForwardedFor != "" {
		req.Header.Set("X-Forwarded-For", c.ForwardedFor)
	}
	if c.AcceptLanguage != "" && req.Header.Get("Accept-Language") == "" {
		req.Header.Set("Accept-Language", c.AcceptLanguage)
	}
	c.t.Helper()
	var res *http.Response
	var err error
	if c.Follow {
		res, err = c.HTTP.Do(req)
	} else {
		ctx, cancel := context.WithTimeout(req.Context(), c.HTTP.Timeout)
		defer cancel()
		req = req.WithContext(ctx)
		for _, ck := range c.Jar.Cookies(req.URL) {
			req.AddCookie(ck)
		}
		if res, err = c.transport.RoundTrip(req); err == nil {
			if rc := res.Cookies(); len(rc) > 0 {
				c.Jar.SetCookies(req.URL, rc)
			}
		}
	}
	if err != nil {
		c.t.Fatalf("apptest: %s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("apptest: %s %s: read body: %v", req.Method, req.URL, err)
	}
	return &Response{Status: res.StatusCode, Location: res.Header.Get("Location"), Body: string(body),
		Header: res.Header, URL: res.Request.URL}
}

// Get fetches path as a browser navigation would.
func (c *Client) Get(path string) *Response {
	c.t.Helper()
	req := c.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	return c.Do(req)
}

// PostForm submits a url-encoded form to path from a page of the same
// origin: like a browser, it sends the Origin header, which the server's
// cross-origin protection checks.
func (c *Client) PostForm(path string, form url.Values) *Response {
	c.t.Helper()
	req := c.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	req.Header.Set("Origin", c.server.URL)
	return c.Do(req)
}

// SignIn submits the sign-in form and ends the test unless it succeeded
// (a redirect with a session cookie). Use PostForm to test failures.
func (c *Client) SignIn(username, password string) *Response {
	c.t.Helper()
	res := c.PostForm("/login", url.Values{"login": {username}, "password": {password}})
	if res.Status != http.StatusSeeOther || c.Cookie(web.SessionCookie) == "" {
		c.t.Fatalf("apptest: sign in as %q: status %d, want 303 and a session cookie\n%s", username, res.Status, res.Body)
	}
	return res
}

// Cookie returns the value of the named cookie the client would send to
// the server, or "".
func (c *Client) Cookie(name string) string {
	for _, ck := range c.Jar.Cookies(c.base) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// SetCookie stores a cookie for the server in the client's jar.
func (c *Client) SetCookie(name, value string) {
	c.Jar.SetCookies(c.base, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// logWriter sends log output to the test log until the test ends.
type logWriter struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(string(bytes.TrimRight(p, "\n")))
	}
	return len(p), nil
}

func (w *logWriter) stop() {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
}

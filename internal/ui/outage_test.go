package ui_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/web"
)

// takeDatabaseDown makes the database unreachable for the server: on
// PostgreSQL its connections are ended and new ones refused (the returned
// function lets them in again); on SQLite the pool is closed (no way back).
func takeDatabaseDown(t *testing.T, s *apptest.Server) (restore func()) {
	t.Helper()
	if !dbtest.Postgres() {
		s.App.DB.Close()
		return nil
	}
	u, err := url.Parse(s.App.DB.URL())
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	admin, err := sql.Open("pgx", os.Getenv(dbtest.EnvURL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, fmt.Sprintf(`ALTER DATABASE %s ALLOW_CONNECTIONS false`, name)); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, name); err != nil {
		t.Fatal(err)
	}
	return func() {
		if _, err := admin.ExecContext(ctx, fmt.Sprintf(`ALTER DATABASE %s ALLOW_CONNECTIONS true`, name)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDatabaseOutageIsA503NotASignOut: while the database is down every
// face says so (503, a page asking to try again, JSON for scripts, -1 for
// the API), nobody is signed out or sent to the sign-in page, and /readyz
// names no connection details. On PostgreSQL the database comes back and
// the same session works again.
func TestDatabaseOutageIsA503NotASignOut(t *testing.T) {
	t.Parallel()
	h := heraldtest.New(t)
	s := h.Internal()
	svc := h.Service
	f := svc.Followers[0]
	if err := s.App.Accounts.AddMember(context.Background(), svc.ID, f.PersonID, account.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	c := s.Client(t)
	c.SignIn(f.Name, "heraldtest password")
	cookie := c.Cookie(web.SessionCookie)
	console := fmt.Sprintf("/mp/a/%d/followers", svc.ID)
	chat := fmt.Sprintf("/chat/%d", svc.ID)
	wantStatus(t, c.Get(console), http.StatusOK)
	wantStatus(t, c.Get(chat), http.StatusOK)
	wantStatus(t, c.Get("/s/123456789"), http.StatusNotFound)
	wantStatus(t, c.Get("/"), http.StatusOK)
	wantStatus(t, c.Get("/subscriptions"), http.StatusOK)
	tok := apiGet(t, s.URL+"/cgi-bin/token?"+url.Values{"grant_type": {"client_credential"}, "appid": {svc.AppID}, "secret": {svc.AppSecret}}.Encode())
	token, _ := tok["access_token"].(string)
	if token == "" {
		t.Fatalf("token: %v", tok)
	}
	userGet := s.URL + "/cgi-bin/user/get?access_token=" + url.QueryEscape(token)
	if r := apiGet(t, userGet); r["errcode"] != nil && r["errcode"].(float64) != 0 {
		t.Fatalf("user/get: %v", r)
	}

	restore := takeDatabaseDown(t, s)

	page := func(what string, res *apptest.Response) {
		t.Helper()
		if res.Status != http.StatusServiceUnavailable || !res.Contains("Herald cannot reach its database at the moment. Please try again in a minute.") || res.Header.Get("Retry-After") == "" {
			t.Errorf("%s during the outage: %d (Location %q), want 503 with the unavailable page\n%s", what, res.Status, res.Location, res.Body)
		}
	}
	page("console page", c.Get(console))
	page("chat page", c.Get(chat))
	page("article page", c.Get("/s/123456789"))
	page("chat list", c.Get("/"))
	page("Subscriptions folder", c.Get("/subscriptions"))
	page("chat send", c.PostForm(chat+"/send", url.Values{"kind": {"text"}, "text": {"hello?"}}))
	req := c.NewRequest(http.MethodPost, chat+"/send", strings.NewReader(url.Values{"kind": {"text"}, "text": {"hi"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Origin", s.URL)
	res := c.Do(req)
	var body map[string]string
	if res.Status != http.StatusServiceUnavailable || json.Unmarshal([]byte(res.Body), &body) != nil || body["error"] != "Herald cannot reach its database at the moment. Please try again in a minute." {
		t.Errorf("chat send from a script during the outage: %d %s, want 503 JSON", res.Status, res.Body)
	}
	if c.Cookie(web.SessionCookie) != cookie {
		t.Error("the outage cleared the session cookie")
	}
	// The unavailable page's stylesheet and script, the icons and the
	// service worker load for a signed-in browser too: they read no session.
	for _, p := range []string{s.App.UI.Asset("app.css"), s.App.UI.Asset("app.js"), "/favicon.ico", "/icons/icon-192.png", "/manifest.webmanifest", "/sw.js"} {
		if res := c.Get(p); res.Status != http.StatusOK {
			t.Errorf("GET %s with a session cookie during the outage: %d, want 200", p, res.Status)
		}
	}
	if c.Cookie(web.SessionCookie) != cookie {
		t.Error("a static file during the outage cleared the session cookie")
	}
	// Someone signing in meanwhile is told the same, not that the password is wrong.
	other := s.Client(t)
	page("article page, signed out", other.Get("/s/123456789"))
	page("sign-in", other.PostForm("/login", url.Values{"login": {f.Name}, "password": {"heraldtest password"}}))
	// The API answers as WeChat does when it is busy: HTTP 200, errcode -1.
	if r := apiGet(t, userGet); r["errcode"] == nil || r["errcode"].(float64) != -1 {
		t.Errorf("API during the outage: %v, want errcode -1", r)
	}
	// The readiness probe fails without naming the database's user, host or port.
	ready := other.Get("/readyz")
	if ready.Status != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the outage: %d", ready.Status)
	}
	u, _ := url.Parse(s.App.DB.URL())
	for _, secret := range []string{u.Hostname(), u.Port(), u.User.Username(), strings.TrimPrefix(u.Path, "/"), "127.0.0.1", "dial", "postgres", "sql:"} {
		if secret != "" && strings.Contains(ready.Body, secret) {
			t.Errorf("/readyz says %q, which names %q", ready.Body, secret)
		}
	}

	if restore == nil {
		return
	}
	restore()
	wantStatus(t, c.Get(console), http.StatusOK)
	wantStatus(t, other.Get("/readyz"), http.StatusOK)
}

func apiGet(t *testing.T, u string) map[string]any {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out map[string]any
	if res.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil {
		t.Fatalf("GET %s: %d %s", u, res.StatusCode, b)
	}
	return out
}

package ui_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/web"
)

const pw = "correct horse battery"

func signupForm(username, display, password string) url.Values {
	return url.Values{"username": {username}, "display_name": {display}, "password": {password}, "password2": {password}}
}

func wantStatus(t *testing.T, res *apptest.Response, want int) {
	t.Helper()
	if res.Status != want {
		t.Fatalf("status %d, want %d (Location %q)\n%s", res.Status, want, res.Location, res.Body)
	}
}

func wantRedirect(t *testing.T, res *apptest.Response, location string) {
	t.Helper()
	if res.Status != http.StatusSeeOther || res.Location != location {
		t.Fatalf("got %d to %q, want 303 to %q\n%s", res.Status, res.Location, location, res.Body)
	}
}

func wantBody(t *testing.T, res *apptest.Response, text string) {
	t.Helper()
	if !strings.Contains(html.UnescapeString(res.Body), text) {
		t.Fatalf("page does not show %q:\n%s", text, res.Body)
	}
}

func countPeople(t *testing.T, s *apptest.Server) int {
	t.Helper()
	n, err := s.App.Users.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSignUpLandsSignedIn(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	c := s.Client(t)
	wantBody(t, c.Get("/signup"), "Create your account")

	res := c.PostForm("/signup", signupForm("Ada_L", "Ada Lovelace", pw))
	wantRedirect(t, res, "/")
	if c.Cookie(web.SessionCookie) == "" {
		t.Fatal("no session cookie after sign-up")
	}
	home := c.Get("/")
	wantStatus(t, home, http.StatusOK)
	wantBody(t, home, "Welcome to Herald, Ada Lovelace.")
	wantBody(t, home, `data-testid="chatlist"`)

	me := c.Get("/me")
	wantStatus(t, me, http.StatusOK)
	wantBody(t, me, `<strong data-testid="me-name">Ada Lovelace</strong>`)
	wantBody(t, me, "@ada_l") // usernames are stored lower-case

	// The new account works for signing in from another browser.
	other := s.Client(t)
	other.SignIn("ada_l", pw)
	wantBody(t, other.Get("/me"), "Ada Lovelace")
}

func TestSignUpRejectsTakenUsername(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	s.CreatePerson(t, "grace", pw, user.RoleNone)
	before := countPeople(t, s)

	c := s.Client(t)
	res := c.PostForm("/signup", signupForm("Grace", "Another Grace", pw+"!"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "That username is taken.")
	wantBody(t, res, `value="Grace"`) // the form keeps what was typed
	if c.Cookie(web.SessionCookie) != "" {
		t.Error("a failed sign-up signed the browser in")
	}
	if n := countPeople(t, s); n != before {
		t.Errorf("%d people after the failed sign-up, want %d", n, before)
	}
	// The original owner of the name is untouched.
	s.Client(t).SignIn("grace", pw)
}

func TestSignUpRejectsDifferentPasswords(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	c := s.Client(t)
	f := signupForm("linus", "", pw)
	f.Set("password2", pw+"x")
	res := c.PostForm("/signup", f)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "The two passwords differ.")
	if n := countPeople(t, s); n != 0 {
		t.Errorf("%d people, want 0", n)
	}
}

// A failed sign-in must not tell whether the login exists.
func TestSignInFailureDoesNotRevealAccounts(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	s.CreatePerson(t, "knownuser", pw, user.RoleNone)
	c := s.Client(t)

	wrongPassword := c.PostForm("/login", url.Values{"login": {"knownuser"}, "password": {"not the password"}})
	unknownUser := c.PostForm("/login", url.Values{"login": {"ghostuser"}, "password": {"not the password"}})

	const msg = "That username or email and password do not match."
	for name, res := range map[string]*apptest.Response{"wrong password": wrongPassword, "unknown user": unknownUser} {
		if res.Status != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, res.Status)
		}
		wantBody(t, res, msg)
	}
	if wrongPassword.Status != unknownUser.Status {
		t.Errorf("statuses differ: %d for a wrong password, %d for an unknown user", wrongPassword.Status, unknownUser.Status)
	}
	// Apart from the login echoed back into the form, the pages are identical.
	a := strings.ReplaceAll(wrongPassword.Body, "knownuser", "LOGIN")
	b := strings.ReplaceAll(unknownUser.Body, "ghostuser", "LOGIN")
	if a != b {
		t.Errorf("the page for a wrong password differs from the page for an unknown user:\n--- wrong password\n%s\n--- unknown user\n%s", a, b)
	}
	if c.Cookie(web.SessionCookie) != "" {
		t.Error("a failed sign-in set a session cookie")
	}
}

// Sign-in throttling counts failures only, per account and per client:
// the guesser backs off, the owner and everyone else are never refused
// the right password.
func TestSignInThrottlesGuessersNotOwners(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	if _, err := s.App.Users.Create(context.Background(), user.NewPerson{Username: "target", Email: "target@example.com", Password: pw}); err != nil {
		t.Fatal(err)
	}
	client := func(ip string) *apptest.Client {
		c := s.Client(t)
		c.ForwardedFor = ip
		return c
	}
	try := func(c *apptest.Client, login, password string) int {
		t.Helper()
		return c.PostForm("/login", url.Values{"login": {login}, "password": {password}}).Status
	}

	// Correct sign-ins are never counted: 15 in a row from one address.
	office := client("198.51.100.7")
	for i := range 15 {
		if st := try(office, "target", pw); st != http.StatusSeeOther {
			t.Fatalf("correct sign-in %d: status %d", i+1, st)
		}
	}

	// A guesser gets 5 failures, by username or email (one account) ...
	guesser := client("203.0.113.66")
	for i := range 5 {
		login := "target"
		if i%2 == 1 {
			login = "Target@Example.com"
		}
		if st := try(guesser, login, "guess"+strings.Repeat("!", i)); st != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d, want 401", i+1, st)
		}
	}
	// ... then is refused, even with the right password ...
	res := guesser.PostForm("/login", url.Values{"login": {"target@example.com"}, "password": {pw}})
	wantStatus(t, res, http.StatusTooManyRequests)
	wantBody(t, res, "Too many failed sign-ins")
	if guesser.Cookie(web.SessionCookie) != "" {
		t.Fatal("a throttled sign-in set a session cookie")
	}
	// ... while the owner, from anywhere else, signs in.
	client("192.0.2.10").SignIn("target", pw)

	// The guesser backs off: after a minute, one more try.
	s.Clock.Advance(61 * time.Second)
	if st := try(guesser, "target", "again"); st != http.StatusUnauthorized {
		t.Fatalf("after backing off: status %d, want 401", st)
	}
	if st := try(guesser, "target", "again!"); st != http.StatusTooManyRequests {
		t.Fatalf("second try after backing off: status %d, want 429", st)
	}

	// Many guessers from many addresses: each that failed is held back,
	// but a client that never failed still gets in with the right password.
	for i := range 25 {
		c := client(fmt.Sprintf("203.0.113.%d", 100+i))
		try(c, "target", "wrong")
	}
	failedOnce := client("203.0.113.100")
	if st := try(failedOnce, "target", pw); st != http.StatusTooManyRequests {
		t.Errorf("a client that failed against a busy account: status %d, want 429", st)
	}
	client("192.0.2.11").SignIn("target", pw)

	// The header counts only from configured proxies: a client cannot
	// pick a fresh address per request (the TCP peer here is the trusted
	// loopback proxy, so this is shown in web's own tests).
}

func TestSignOutEndsSession(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	s.CreatePerson(t, "margaret", pw, user.RoleNone)
	c := s.Client(t)
	c.SignIn("margaret", pw)
	wantStatus(t, c.Get("/me"), http.StatusOK)
	token := c.Cookie(web.SessionCookie)

	wantRedirect(t, c.PostForm("/logout", nil), "/login")
	login := c.Get("/login")
	wantStatus(t, login, http.StatusOK)
	wantBody(t, login, "You are signed out.")
	if c.Cookie(web.SessionCookie) != "" {
		t.Error("the session cookie survived signing out")
	}
	wantRedirect(t, c.Get("/me"), "/login?next=%2Fme")

	// The old cookie, replayed, no longer signs anyone in.
	thief := s.Client(t)
	thief.SetCookie(web.SessionCookie, token)
	wantRedirect(t, thief.Get("/me"), "/login?next=%2Fme")
}

// browserTarget resolves a Location header the way a browser does (it
// drops tabs and newlines and reads '\' as '/'), so a test sees where
// the browser would really go.
func browserTarget(t *testing.T, base, location string) *url.URL {
	t.Helper()
	loc := strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r':
			return -1
		case '\\':
			return '/'
		}
		return r
	}, strings.TrimSpace(location))
	b, _ := url.Parse(base)
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("Location %q: %v", location, err)
	}
	return b.ResolveReference(u)
}

func TestSignInNeverRedirectsOffSite(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	s.CreatePerson(t, "mallory", pw, user.RoleNone)
	host := strings.TrimPrefix(s.URL, "http://")
	evil := []string{
		"//evil.example",
		"https://evil.example",
		"https://evil.example/me",
		`/\evil.example`,
		"/\t/evil.example",
		"\t//evil.example",
		"/\n/evil.example",
	}
	for _, next := range evil {
		c := s.Client(t)
		res := c.PostForm("/login", url.Values{"login": {"mallory"}, "password": {pw}, "next": {next}})
		wantStatus(t, res, http.StatusSeeOther)
		if u := browserTarget(t, s.URL, res.Location); u.Host != host {
			t.Errorf("sign-in with next=%q sends the browser to %s (Location %q)", next, u, res.Location)
		}
		// Signed in already, the sign-in page redirects at once: same rule.
		res = c.Get("/login?next=" + url.QueryEscape(next))
		wantStatus(t, res, http.StatusSeeOther)
		if u := browserTarget(t, s.URL, res.Location); u.Host != host {
			t.Errorf("GET /login?next=%q sends the browser to %s (Location %q)", next, u, res.Location)
		}
	}
	// A local next is honoured.
	c := s.Client(t)
	res := c.PostForm("/login", url.Values{"login": {"mallory"}, "password": {pw}, "next": {"/me"}})
	wantRedirect(t, res, "/me")

	// So is sign-up's, with the same protection.
	res = s.Client(t).PostForm("/signup", func() url.Values {
		f := signupForm("eve", "", pw)
		f.Set("next", "//evil.example")
		return f
	}())
	wantStatus(t, res, http.StatusSeeOther)
	if u := browserTarget(t, s.URL, res.Location); u.Host != host {
		t.Errorf("sign-up with an off-site next sends the browser to %s", u)
	}
}

func TestCrossOriginPostIsRefused(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	s.CreatePerson(t, "victim", pw, user.RoleNone)
	c := s.Client(t)
	c.SignIn("victim", pw)

	form := url.Values{"current": {pw}, "new": {"attacker chosen"}, "new2": {"attacker chosen"}}
	req := c.NewRequest(http.MethodPost, "/me/password", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	wantStatus(t, c.Do(req), http.StatusForbidden)

	// The password is unchanged: the old one works, the attacker's does not.
	s.Client(t).SignIn("victim", pw)
	res := s.Client(t).PostForm("/login", url.Values{"login": {"victim"}, "password": {"attacker chosen"}})
	wantStatus(t, res, http.StatusUnauthorized)
	// The victim is still signed in.
	wantStatus(t, c.Get("/me"), http.StatusOK)
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	s.CreatePerson(t, "alan", pw, user.RoleNone)
	c := s.Client(t)
	c.SignIn("alan", pw)
	elsewhere := s.Client(t)
	elsewhere.SignIn("alan", pw)

	res := c.PostForm("/me/password", url.Values{"current": {"wrong current"}, "new": {"brand new secret"}, "new2": {"brand new secret"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	// The message sits on the current-password field of the form.
	if !regexp.MustCompile(`name="current"[^>]*>\s*<span class="field-error">The current password is not right.</span>`).MatchString(res.Body) {
		t.Fatalf("no field error under the current password:\n%s", res.Body)
	}
	s.Client(t).SignIn("alan", pw) // unchanged

	res = c.PostForm("/me/password", url.Values{"current": {pw}, "new": {"brand new secret"}, "new2": {"brand new secret"}})
	wantRedirect(t, res, "/me")
	wantBody(t, c.Get("/me"), "Password changed.")
	s.Client(t).SignIn("alan", "brand new secret")
	// Other sessions are signed out.
	wantRedirect(t, elsewhere.Get("/me"), "/login?next=%2Fme")
}

func TestFacesNeedTheRightPerson(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	s.CreatePerson(t, "follower", pw, user.RoleNone)
	s.CreatePerson(t, "reviewer", pw, user.RoleReviewer)

	anon := s.Client(t)
	wantRedirect(t, anon.Get("/mp/"), "/login?next=%2Fmp%2F")
	wantRedirect(t, anon.Get("/admin/"), "/login?next=%2Fadmin%2F")

	f := s.Client(t)
	f.SignIn("follower", pw)
	res := f.Get("/admin/")
	wantStatus(t, res, http.StatusForbidden)
	wantBody(t, res, "only for platform administrators and reviewers")
	wantStatus(t, f.Get("/mp/"), http.StatusOK)

	r := s.Client(t)
	res = r.SignIn("reviewer", pw)
	wantRedirect(t, res, "/admin/") // staff land on the admin face
	res = r.Get("/admin/")
	wantStatus(t, res, http.StatusOK)
	wantBody(t, res, "Platform overview")
}

func TestProbesAndMetrics(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	c := s.Client(t)
	wantStatus(t, c.Get("/healthz"), http.StatusOK)
	res := c.Get("/readyz")
	wantStatus(t, res, http.StatusOK)
	if strings.TrimSpace(res.Body) != "ready" {
		t.Errorf("/readyz says %q, want \"ready\"", res.Body)
	}

	wantStatus(t, c.Get("/login"), http.StatusOK)
	// Metrics are served on their own listener (--metrics-listen), never on
	// the public one.
	if res := c.Get("/metrics"); res.Status == http.StatusOK || strings.Contains(res.Body, "herald_http_requests_total") {
		t.Fatalf("/metrics on the public listener: %d", res.Status)
	}
	metrics := func() string {
		rec := httptest.NewRecorder()
		s.App.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		wantStatus(t, &apptest.Response{Status: rec.Code}, http.StatusOK)
		return rec.Body.String()
	}
	res.Body = metrics()
	if !regexp.MustCompile(`(?m)^herald_http_requests_total\{[^}]*route="GET /login"[^}]*\} [1-9]`).MatchString(res.Body) {
		t.Fatalf("no herald_http_requests_total sample for route \"GET /login\":\n%s", grepLines(res.Body, "herald_http_requests_total"))
	}

	// A signed-in request passes the session middleware, which hands a copy
	// of the request to the UI router: its route must still be recorded.
	s.CreatePerson(t, "metered", "long enough pw", "")
	m := s.Client(t)
	m.SignIn("metered", "long enough pw")
	wantStatus(t, m.Get("/me"), http.StatusOK)
	res.Body = metrics()
	if !regexp.MustCompile(`(?m)^herald_http_requests_total\{[^}]*route="GET /me"[^}]*\} [1-9]`).MatchString(res.Body) {
		t.Fatalf("signed-in GET /me not recorded under its route:\n%s", grepLines(res.Body, "herald_http_requests_total"))
	}
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

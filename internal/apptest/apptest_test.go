package apptest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/user"
)

func TestClientRedirectsAndCookies(t *testing.T) {
	s := apptest.New(t)
	s.CreatePerson(t, "ada", "correct horse", user.RoleNone)
	c := s.Client(t)

	res := c.Get("/me")
	if res.Status != http.StatusSeeOther || res.Location != "/login?next=%2Fme" {
		t.Fatalf("signed out, /me gave %d to %q; want 303 to the sign-in page", res.Status, res.Location)
	}
	c.Follow = true
	res = c.Get("/me")
	if res.Status != http.StatusOK || res.URL.Path != "/login" || !res.Contains("Sign in") {
		t.Fatalf("following redirects, /me ended at %s with %d", res.URL, res.Status)
	}
	c.Follow = false

	c.SignIn("ada", "correct horse")
	if res := c.Get("/me"); res.Status != http.StatusOK || !res.Contains("@ada") {
		t.Fatalf("signed in, /me gave %d", res.Status)
	}
	if other := s.Client(t); other.Cookie("herald_session") != "" {
		t.Fatal("a new client shares the cookie jar")
	}
}

// The app runs on the harness's clock: moving it past the session lifetime
// signs people out without waiting.
func TestClockDrivesTheApp(t *testing.T) {
	s := apptest.New(t)
	s.CreatePerson(t, "ada", "correct horse", user.RoleNone)
	c := s.Client(t)
	c.SignIn("ada", "correct horse")

	s.Clock.Advance(user.SessionTTL - time.Hour)
	if res := c.Get("/me"); res.Status != http.StatusOK {
		t.Fatalf("an hour before expiry, /me gave %d", res.Status)
	}
	// That visit extended the session; a full lifetime later it has lapsed.
	s.Clock.Advance(user.SessionTTL + time.Minute)
	if res := c.Get("/me"); res.Status != http.StatusSeeOther {
		t.Fatalf("after the session lapsed, /me gave %d, want a redirect to sign in", res.Status)
	}
}

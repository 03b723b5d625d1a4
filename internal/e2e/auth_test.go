package e2e

import (
	"bytes"
	"context"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/user"
)

// do runs browser steps, failing the test with what step was meant.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// run runs one browser action that returns a value.
func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// waitPath waits until the tab's page is at want (a path), across a
// navigation that may still be in flight: reading the location while the old
// page unloads fails with "Cannot find context with specified id", which
// only means "not there yet".
func waitPath(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	var last string
	var lastErr error
	for {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
		if err == nil && got == want {
			return
		}
		last, lastErr = got, err
		select {
		case <-ctx.Done():
			t.Fatalf("the page did not reach %s: it is at %q (last error: %v)", want, last, lastErr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// byText selects the element of the given tag whose visible text is text,
// as a person finds a link or a button.
func byText(tag, text string) chromedp.Search {
	return chromedp.Search(`//` + tag + `[normalize-space()="` + text + `"]`)
}

// path returns the path and query of the tab's current page on s.
func path(t *testing.T, ctx context.Context, s *apptest.Server) string {
	t.Helper()
	loc := run(t, ctx, "read the location", chromedp.Location())
	if !strings.HasPrefix(loc, s.URL+"/") {
		t.Fatalf("the browser left Herald: it is at %s", loc)
	}
	return strings.TrimPrefix(loc, s.URL)
}

func TestSignUpSignInSignOut(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := Browser(t)
	const (
		username = "zoe"
		display  = "Zoë Quinn-Ramírez"
		password = "a long enough secret"
	)

	// A visitor opens Herald and creates an account.
	do(t, ctx, "open Herald", chromedp.Navigate(s.URL+"/"))
	do(t, ctx, `click "Create an account"`,
		chromedp.Click(byText("a", "Create an account")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=signup-form]`)),
	)
	do(t, ctx, "fill in the sign-up form",
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), username),
		chromedp.SendKeys(chromedp.CSS(`input[name=display_name]`), display),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.SendKeys(chromedp.CSS(`input[name=password2]`), password),
	)
	do(t, ctx, "submit the sign-up form",
		chromedp.Click(byText("button", "Create account")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=chatlist]`)),
	)
	if p := path(t, ctx, s); p != "/" {
		t.Errorf("after sign-up the browser is at %s, want /", p)
	}
	if p, err := s.App.Users.ByUsername(t.Context(), username); err != nil || p.DisplayName != display {
		t.Fatalf("the account was not stored as typed: %+v, %v", p, err)
	}

	// The Me tab shows who is signed in.
	do(t, ctx, "open Me",
		chromedp.Click(chromedp.Search(`//nav[@aria-label="Main"]//a[normalize-space()="Me"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=me-name]`)),
	)
	if got := run(t, ctx, "read the name on Me", chromedp.Text(chromedp.CSS(`[data-testid=me-name]`))); got != display {
		t.Errorf("Me shows %q, want %q", got, display)
	}
	checkFitsPhone(t, ctx, "me")

	// Sign out: back to the sign-in page, and really signed out.
	do(t, ctx, "sign out",
		chromedp.Click(chromedp.CSS(`[data-testid=signout]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-form]`)),
	)
	if p := path(t, ctx, s); p != "/login" {
		t.Errorf("after signing out the browser is at %s, want /login", p)
	}
	if body := run(t, ctx, "read the page", chromedp.Text(chromedp.CSS(`body`))); !strings.Contains(body, "You are signed out.") {
		t.Errorf("the sign-in page does not say the person signed out:\n%s", body)
	}
	do(t, ctx, "open Me while signed out",
		chromedp.Navigate(s.URL+"/me"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-form]`)),
	)
	if p := path(t, ctx, s); p != "/login?next="+url.QueryEscape("/me") {
		t.Errorf("Me while signed out is at %s, want the sign-in page", p)
	}

	// Sign in again with the username: back to where they were going.
	do(t, ctx, "sign in",
		chromedp.SendKeys(chromedp.CSS(`input[name=login]`), username),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.Click(byText("button", "Sign in")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=me-name]`)),
	)
	if p := path(t, ctx, s); p != "/me" {
		t.Errorf("after signing in the browser is at %s, want /me", p)
	}
	do(t, ctx, "go to the chat list",
		chromedp.Click(byText("a", "Chats")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=chatlist]`)),
	)
	if got := run(t, ctx, "read the chat list", chromedp.Text(chromedp.CSS(`[data-testid=chatlist]`))); !strings.Contains(got, display) {
		t.Errorf("the chat list does not greet %q: %q", display, got)
	}
}

// checkFitsPhone saves a full-page screenshot of the current page and fails
// when the page is wider than the phone (it would scroll sideways).
func checkFitsPhone(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if w := run(t, ctx, "read the viewport width", chromedp.Evaluate[int](`window.innerWidth`)); w != PhoneWidth {
		t.Fatalf("the viewport is %d px wide, want %d: the phone check would mean nothing", w, PhoneWidth)
	}
	shot := run(t, ctx, "take a screenshot", chromedp.FullScreenshot(100))
	file := filepath.Join(t.TempDir(), name+".png")
	if err := os.WriteFile(file, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := png.DecodeConfig(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot %s: %v", file, err)
	}
	t.Logf("screenshot of %s: %s (%d×%d)", name, file, img.Width, img.Height)
	if img.Width != PhoneWidth {
		t.Errorf("the screenshot of %s is %d px wide, want %d", name, img.Width, PhoneWidth)
	}
	sw := run(t, ctx, "measure the page", chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if sw > PhoneWidth {
		wide := run(t, ctx, "find wide elements", chromedp.Evaluate[[]string](`[...document.querySelectorAll("body *")]
			.filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
			.map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : "") + " right=" + Math.round(e.getBoundingClientRect().right))`))
		t.Errorf("%s is %d px wide on a %d px phone (it scrolls sideways); too wide: %v", name, sw, PhoneWidth, wide)
	}
}

// TestSignInLinkStaysOnHerald follows a crafted sign-in link as a signed-in
// person: browsers drop a tab from a redirect, so next="/\t/evil.example"
// must not become a redirect to //evil.example.
func TestSignInLinkStaysOnHerald(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	s.CreatePerson(t, "mallory", "a long enough secret", user.RoleNone)
	ctx := Browser(t)
	do(t, ctx, "sign in",
		chromedp.Navigate(s.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name=login]`), "mallory"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "a long enough secret"),
		chromedp.Click(byText("button", "Sign in")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=chatlist]`)),
	)
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\t/evil.example/", `/\evil.example/`} {
		// A failed load (evil.example does not resolve) is an error too;
		// the location check below says where the browser went.
		_ = chromedp.Do(ctx, chromedp.Navigate(s.URL+"/login?next="+url.QueryEscape(next)))
		loc := run(t, ctx, "read the location", chromedp.Location())
		if !strings.HasPrefix(loc, s.URL+"/") {
			t.Errorf("the sign-in link with next=%q took the browser off Herald, to %s (evil.example does not resolve, so Chromium shows its error page)", next, loc)
		}
	}
}

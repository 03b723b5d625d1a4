package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/user"
)

// TestDiscoverSuggestsOnAPhone: on a small and a common phone, Discover
// shows accounts to follow by category before any search, every row and its
// Follow button on screen; following one takes it out of the suggestions.
// No console errors or CSP violations.
func TestDiscoverSuggestsOnAPhone(t *testing.T) {
	t.Parallel()
	for _, size := range []struct{ w, h int }{{360, 640}, {390, 844}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) { discoverOnPhone(t, size.w, size.h) })
	}
}

func discoverOnPhone(t *testing.T, width, height int) {
	s := apptest.New(t)
	s.CreatePerson(t, "mei", "reader password 1", user.RoleNone)
	bank := e2eAccount(t, s, "Harbour Bank of the East Coast", account.Service)
	e2eAccount(t, s, "Lotus Tea Journal", account.Subscription)
	if _, err := s.App.DB.Exec(context.Background(), `UPDATE accounts SET follower_count = 10 WHERE id = ?`, bank.ID); err != nil {
		t.Fatal(err)
	}

	tab := Browser(t)
	problems := consoleProblems(t, tab)
	recordCSPViolations(t, tab)
	do(t, tab, fmt.Sprintf("use a %d×%d phone", width, height), chromedp.EmulateViewport(int64(width), int64(height), chromedp.EmulatePortrait))
	msgSignIn(t, tab, s, "mei", "reader password 1")
	do(t, tab, "open Discover", chromedp.Navigate(s.URL+"/discover"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=suggested]`)))
	type row struct {
		Group         string
		Name          string
		Left, Right   float64
		FollowVisible bool
	}
	rows := func() []row {
		return run(t, tab, "read the suggestions", chromedp.Evaluate[[]row](`[...document.querySelectorAll("[data-testid=suggested] li.row")].map(li => {
			const r = li.getBoundingClientRect(), f = li.querySelector("button[type=submit]");
			const fr = f ? f.getBoundingClientRect() : null;
			let h = li.parentElement.previousElementSibling;
			return {Group: h ? h.textContent.trim() : "", Name: li.querySelector(".row-name").textContent.trim(), Left: r.left, Right: r.right,
				FollowVisible: !!fr && fr.width > 0 && fr.left >= 0 && fr.right <= window.innerWidth + 0.5};
		})`))
	}
	got := rows()
	if len(got) != 2 || got[0].Group != "Service accounts" || got[1].Group != "Subscription accounts" {
		t.Fatalf("suggestions: %+v", got)
	}
	for _, r := range got {
		if r.Left < 0 || r.Right > float64(width)+0.5 || !r.FollowVisible {
			t.Errorf("suggestion %q does not fit the phone or hides its Follow button: %+v", r.Name, r)
		}
	}
	msgFits(t, tab, "Discover")
	do(t, tab, "follow the bank", chromedp.Click(chromedp.CSS(`[data-testid=suggested] li.row button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=unfollow]`)))
	do(t, tab, "open Discover again", chromedp.Navigate(s.URL+"/discover"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=suggested]`)))
	if got := rows(); len(got) != 1 || got[0].Name != "Lotus Tea Journal" {
		t.Errorf("after following the bank, suggestions: %+v", got)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console problems: %v", p)
	}
	if v := cspViolations(t, tab); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
}

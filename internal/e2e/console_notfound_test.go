package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/user"
)

// TestConsoleLinksPagesAndIcon: a Subscription account's follower page
// links only to pages that exist; a page the console does not have is
// drawn in the console (its bar, no follower tab bar), the admin's in the
// admin; every page has an icon, and /favicon.ico is one too.
func TestConsoleLinksPagesAndIcon(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	owner := s.CreatePerson(t, "lin", "owner password 1", user.RoleNone)
	reader := s.CreatePerson(t, "mia", "reader password 1", user.RoleNone)
	s.CreatePerson(t, "ada", "admin password 1", user.RoleAdmin)
	a, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Subscription, Region: account.Domestic,
		Name: "Lotus Tea House", Status: account.StatusActive, OwnerID: owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Follows.Follow(ctx, a.ID, reader.ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}
	tab := Browser(t)
	follower := fmt.Sprintf("/mp/a/%d/followers/%d", a.ID, reader.ID)
	signIn(t, tab, s, "lin", "owner password 1", follower, `nav.accountnav`)
	type link struct {
		Href   string
		Status int
	}
	links := run(t, tab, "follow the follower page's links", chromedp.Evaluate[[]link](`Promise.all(
		[...document.querySelectorAll("main a[href^='/']")].map(a => fetch(a.href).then(r => ({Href: a.getAttribute("href"), Status: r.status}))))`,
		chromedp.EvalAwaitPromise))
	if len(links) == 0 {
		t.Fatal("the follower page has no links")
	}
	for _, l := range links {
		if l.Status != 200 {
			t.Errorf("the follower page links to %s, which answers %d", l.Href, l.Status)
		}
	}

	shell := func(what, path, bar string) {
		t.Helper()
		do(t, tab, "open "+what, chromedp.Navigate(s.URL+path), chromedp.WaitVisible(chromedp.CSS(`[data-testid=error-page]`)))
		visible := func(sel string) bool {
			return run(t, tab, "look for "+sel, chromedp.Evaluate[bool](`(() => { const e = document.querySelector(`+"`"+sel+"`"+`);
				if (!e) return false; const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; })()`))
		}
		if !visible(bar) {
			t.Errorf("%s is not drawn in its face: no %s", what, bar)
		}
		if visible(`nav.tabbar`) {
			t.Errorf("%s shows the follower app's tab bar", what)
		}
	}
	shell("a console page that does not exist", fmt.Sprintf("/mp/a/%d/nothing-here", a.ID), `header.consolebar`)
	shell("a conversation that does not exist", fmt.Sprintf("/mp/a/%d/inbox/%d", a.ID, reader.ID), `header.consolebar`)

	icon := func(what string) {
		t.Helper()
		size := run(t, tab, "load the icon of "+what, chromedp.Evaluate[[]int](`new Promise(done => {
			const l = document.querySelector("link[rel=icon]"); if (!l) return done([0, 0]);
			const img = new Image(); img.onload = () => done([img.naturalWidth, img.naturalHeight]); img.onerror = () => done([-1, -1]); img.src = l.href; })`,
			chromedp.EvalAwaitPromise))
		if len(size) != 2 || size[0] < 16 || size[1] < 16 {
			t.Errorf("the icon of %s does not load as an image: %v", what, size)
		}
	}
	icon("the console's not-found page")
	fav := run(t, tab, "fetch /favicon.ico", chromedp.Evaluate[[]string](`fetch("/favicon.ico").then(r => [String(r.status), r.headers.get("Content-Type")])`, chromedp.EvalAwaitPromise))
	if len(fav) != 2 || fav[0] != "200" || fav[1] != "image/x-icon" {
		t.Errorf("/favicon.ico answers %v", fav)
	}

	admin := Browser(t)
	signIn(t, admin, s, "ada", "admin password 1", "/admin/", `header.consolebar.admin`)
	tab = admin
	shell("an admin page that does not exist", "/admin/nothing-here", `header.consolebar.admin`)
	icon("the admin's not-found page")
}

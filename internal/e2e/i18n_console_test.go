package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/demo"
)

// TestChineseReviewQueueAndInboxOnAPhone: a platform admin and an account's
// owner whose language is Simplified Chinese work on a 360 px phone. The
// review queue and an account's inbox read in Chinese (headings, tabs,
// application states), nothing is wider than the phone, and no page logs a
// console error or breaks the CSP.
func TestChineseReviewQueueAndInboxOnAPhone(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	if _, err := demo.Seed(ctx, s.App); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"admin", "lotus"} {
		p, err := s.App.Users.ByUsername(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.App.Users.SetLanguage(ctx, p.ID, "zh_CN"); err != nil {
			t.Fatal(err)
		}
	}
	han := regexp.MustCompile(`\p{Han}`)

	admin := Browser(t)
	problems := consoleProblems(t, admin)
	recordCSPViolations(t, admin)
	do(t, admin, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait))
	signIn(t, admin, s, "admin", "admin-demo", "/admin/reviews", `[data-testid=queue]`)
	if h := run(t, admin, "read the heading", chromedp.Text(chromedp.CSS(`main h1`))); h != "认证审核" {
		t.Errorf("the review queue's heading is %q, want 认证审核", h)
	}
	states := run(t, admin, "read the states", chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-testid=queue] .badge")].map(b => b.textContent.trim())`))
	if len(states) == 0 {
		t.Fatal("the demo's review queue is empty")
	}
	for _, st := range states {
		if !han.MatchString(st) {
			t.Errorf("an application's state reads %q, not Chinese", st)
		}
	}
	fitsSmallPhone(t, admin, "the review queue in Chinese")
	if p := append(problems(), cspViolations(t, admin)...); len(p) > 0 {
		t.Errorf("the review queue: console errors or CSP violations: %v", p)
	}

	owner := Browser(t)
	ownerProblems := consoleProblems(t, owner)
	recordCSPViolations(t, owner)
	do(t, owner, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait))
	// The sign-in page has a main too: wait for the console's list of accounts.
	signIn(t, owner, s, "lotus", "owner-demo", "/mp/", `main a[href^="/mp/a/"]`)
	home := run(t, owner, "find the account", chromedp.Evaluate[string](`(document.querySelector("main a[href^='/mp/a/']") || {}).pathname || ""`))
	if !strings.HasPrefix(home, "/mp/a/") {
		t.Fatalf("the console lists no account: %q", home)
	}
	base := home[:strings.Index(home[len("/mp/a/"):], "/")+len("/mp/a/")]
	do(t, owner, "open the inbox", chromedp.Navigate(s.URL+base+"/inbox"), chromedp.WaitVisible(chromedp.CSS(`.inbox-list h1`)))
	if h := run(t, owner, "read the heading", chromedp.Text(chromedp.CSS(`.inbox-list h1`))); h != "消息管理" {
		t.Errorf("the inbox's heading is %q, want 消息管理", h)
	}
	tabs := run(t, owner, "read the tabs", chromedp.Evaluate[[]string](`[...document.querySelectorAll("nav.tabs a")].map(a => a.firstChild.textContent.trim())`))
	if strings.Join(tabs, " ") != "待处理 待接入 我的 已接入 已结束" {
		t.Errorf("the inbox's tabs read %q", tabs)
	}
	fitsSmallPhone(t, owner, "the inbox in Chinese")
	if p := append(ownerProblems(), cspViolations(t, owner)...); len(p) > 0 {
		t.Errorf("the inbox: console errors or CSP violations: %v", p)
	}
}

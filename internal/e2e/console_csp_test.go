package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/user"
)

// watchedTab opens a browser tab with a viewport of width × height that
// records what the Content-Security-Policy refuses and, in problems, what
// the console reports.
func watchedTab(t *testing.T, width, height int64, opts ...chromedp.EmulateViewportOption) (tab context.Context, problems func() []string) {
	t.Helper()
	tab = Browser(t)
	recordCSPViolations(t, tab)
	problems = consoleProblems(t, tab)
	do(t, tab, fmt.Sprintf("use a %d × %d px screen", width, height), chromedp.EmulateViewport(width, height, opts...))
	return tab, problems
}

// recordCSPViolations makes every page the tab opens from now on keep the
// Content-Security-Policy violations it meets in window.cspViolations;
// cspViolations reads them.
func recordCSPViolations(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, "record CSP violations", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
			window.cspViolations = [];
			document.addEventListener("securitypolicyviolation", e =>
				window.cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at line " + e.lineNumber));`})
		return chromedp.Void{}, err
	})
}

func cspViolations(t *testing.T, ctx context.Context) []string {
	t.Helper()
	return run(t, ctx, "read the CSP violations", chromedp.Evaluate[[]string](`window.cspViolations || []`))
}

// TestDemographicBarsUnderTheCSP: the analytics page draws the followers'
// demographics as bars whose lengths follow the groups' shares, with
// nothing the Content-Security-Policy refuses.
func TestDemographicBarsUnderTheCSP(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	owner := s.CreatePerson(t, "lin", "owner password 1", user.RoleNone)
	a, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic,
		Name: "Lotus Tea House", Status: account.StatusActive, OwnerID: owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	now := s.App.Clock.Now().UnixMicro()
	for _, g := range []struct {
		dim, value string
		n          int
	}{{"region", "Shanghai", 60}, {"region", "Beijing", 30}, {"region", "Hangzhou", 10}, {"language", "zh_CN", 80}, {"language", "en", 20}} {
		if _, err := s.App.DB.Exec(ctx, `INSERT INTO analytics_demographics (account_id, dimension, value, followers, updated_at) VALUES (?, ?, ?, ?, ?)`,
			a.ID, g.dim, g.value, g.n, now); err != nil {
			t.Fatal(err)
		}
	}
	tab := Browser(t)
	recordCSPViolations(t, tab)
	signIn(t, tab, s, "lin", "owner password 1", fmt.Sprintf("/mp/a/%d/analytics", a.ID), `[data-testid="analytics-demographics"]`)
	type bar struct {
		Label       string
		Fill, Track float64
	}
	bars := run(t, tab, "measure the bars", chromedp.Evaluate[[]bar](`[...document.querySelectorAll("[data-testid=analytics-demographics] .bars li")].map(li => {
		const track = li.querySelector(".bar-track"), fill = li.querySelector(".bar-fill");
		return {Label: li.querySelector(".bar-label").textContent, Track: track ? track.getBoundingClientRect().width : 0,
			Fill: fill ? fill.getBoundingClientRect().width : 0};
	})`))
	width := map[string]float64{}
	for _, b := range bars {
		width[b.Label] = b.Fill
		if b.Fill <= 0 || b.Fill > b.Track+0.5 {
			t.Errorf("the %s bar is %.1f px in a %.1f px track", b.Label, b.Fill, b.Track)
		}
	}
	if len(width) < 5 {
		t.Fatalf("want bars for 5 groups, got %+v", bars)
	}
	// 60 : 30 : 10 of one track, and 80 : 20 of the other.
	if !(width["Shanghai"] > width["Beijing"] && width["Beijing"] > width["Hangzhou"]) {
		t.Errorf("the region bars do not follow their shares (60, 30, 10): %v", width)
	}
	if r := width["Shanghai"] / width["Hangzhou"]; r < 5 || r > 7 {
		t.Errorf("Shanghai's bar is %.1f times Hangzhou's, want about 6", r)
	}
	if width["Chinese (Simplified)"] <= width["English"] {
		t.Errorf("the language bars do not follow their shares (80, 20): %v", width)
	}
	if v := cspViolations(t, tab); len(v) > 0 {
		t.Errorf("the analytics page broke its Content-Security-Policy %d times: %v", len(v), v)
	}
}

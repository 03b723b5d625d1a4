package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/abtest"
	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/demo"
	"github.com/heraldoa/herald/internal/publish"
)

// TestABTestRunsToItsWinner: on the demo, Lotus Tea House's owner starts an
// A/B test of two titles of a draft on a desktop; readers of the second
// open it; when the window ends (the app's clock moves on) the winner goes
// to the rest of the audience by itself, and the results page says so, on
// a desktop and on a 360 px phone. A follower's folder holds exactly one
// of the variants. No console errors or CSP violations on the way.
func TestABTestRunsToItsWinner(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	// 08:00 in Beijing tomorrow: the test and its hour stay in one day and month.
	now := s.Clock.Now().In(clock.Beijing)
	s.Clock.Advance(time.Date(now.Year(), now.Month(), now.Day()+1, 8, 0, 0, 0, clock.Beijing).Sub(now))
	if _, err := demo.Seed(ctx, s.App); err != nil {
		t.Fatal(err)
	}
	var lotus int64
	if err := db.Get(s.App.DB.QueryRow(ctx, `SELECT id FROM accounts WHERE name = 'Lotus Tea House'`), &lotus); err != nil {
		t.Fatal(err)
	}
	tab, problems := watchedTab(t, 1280, 900)
	signIn(t, tab, s, "lotus", "owner-demo", fmt.Sprintf("/mp/a/%d/abtests", lotus), `[data-testid=abtest-drafts]`)
	do(t, tab, "test the gift-box draft",
		chromedp.Click(byText("a", "Winter tea gift boxes")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=abtest-form]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=abtest-title-1]`), "Gift boxes for the Spring Festival"),
		chromedp.SetValue(chromedp.CSS(`[data-testid=abtest-sample]`), "30"),
		chromedp.SetValue(chromedp.CSS(`[data-testid=abtest-window]`), "1"),
		chromedp.Click(chromedp.CSS(`[data-testid=abtest-start]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=abtest-variants]`)),
	)
	state := run(t, tab, "read the state", chromedp.Text(chromedp.CSS(`[data-testid=abtest-state]`)))
	if !strings.Contains(state, "Testing") {
		t.Errorf("the new test says %q", state)
	}
	path := run(t, tab, "read the address", chromedp.Evaluate[string](`location.pathname`))
	var testID int64
	if _, err := fmt.Sscanf(path, fmt.Sprintf("/mp/a/%d/abtests/%%d", lotus), &testID); err != nil {
		t.Fatalf("results at %q: %v", path, err)
	}
	// The variants go out; then most of B's recipients open it, few of A's
	// (read events, as the reading page records them).
	if _, err := s.App.PublishEngine.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := s.App.DB.Query(ctx, `SELECT m.person_id, m.variant, p.first_article_id FROM ab_test_members m
		JOIN ab_test_variants v ON v.test_id = m.test_id AND v.variant = m.variant JOIN publications p ON p.id = v.publication_id
		WHERE m.test_id = ? ORDER BY m.person_id`, testID)
	type member struct {
		person, article int64
		variant         int
	}
	members, err := db.Collect(rows, err, func(r *sql.Rows) (member, error) {
		var m member
		return m, r.Scan(&m.person, &m.variant, &m.article)
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]int{}
	for _, m := range members {
		i := seen[m.variant]
		seen[m.variant]++
		if (m.variant == 2 && i%3 != 0) || (m.variant == 1 && i%6 == 0) {
			s.App.Analytics.Record(analytics.Event{AccountID: lotus, Kind: analytics.KindRead, PersonID: m.person, ObjectID: m.article, Surface: analytics.SurfaceFolder})
		}
	}
	if err := s.App.Analytics.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	s.Clock.Advance(61 * time.Minute)
	if _, err := s.App.PublishEngine.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	store := abtest.NewStore(s.App.DB, s.App.Clock, s.App.Publish)
	test, err := store.Test(ctx, lotus, testID)
	if err != nil {
		t.Fatal(err)
	}
	rest := test.Audience - test.Sample()
	do(t, tab, "look at the results", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid=abtest-winner]`)))
	state = run(t, tab, "read the state", chromedp.Text(chromedp.CSS(`[data-testid=abtest-state]`)))
	if !strings.Contains(state, "Done") || !strings.Contains(state, fmt.Sprintf("Variant B went to the rest of the audience (%d followers)", rest)) {
		t.Errorf("the finished test says %q (rest %d)", state, rest)
	}
	verdict := run(t, tab, "read the verdict", chromedp.Text(chromedp.CSS(`[data-testid=abtest-verdict]`)))
	if !strings.HasPrefix(verdict, "Variant B is the winner") {
		t.Errorf("the verdict is %q", verdict)
	}
	winner := run(t, tab, "find the winner's card", chromedp.Evaluate[string](`document.querySelector("[data-testid=abtest-winner]").closest("[data-variant]").dataset.variant`))
	if winner != "B" {
		t.Errorf("the card marked Winner is %q", winner)
	}
	if n := run(t, tab, "look for the send button", chromedp.Evaluate[int](`document.querySelectorAll("[data-testid=abtest-send-winner]").length`)); n != 0 {
		t.Error("a finished test still offers to send the winner")
	}
	do(t, tab, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait),
		chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid=abtest-winner]`)))
	fitsWidth(t, tab, SmallPhoneWidth, "the results of an A/B test")
	do(t, tab, "open the list", chromedp.Navigate(fmt.Sprintf("%s/mp/a/%d/abtests", s.URL, lotus)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=abtests]`)))
	fitsWidth(t, tab, SmallPhoneWidth, "the list of A/B tests")
	if got := run(t, tab, "count the tests", chromedp.Evaluate[int](`document.querySelectorAll("[data-testid=abtest-link]").length`)); got != 2 {
		t.Errorf("the list shows %d tests, want the demo's and this one", got)
	}
	var owner int64
	if err := db.Get(s.App.DB.QueryRow(ctx, `SELECT id FROM people WHERE username = 'lotus'`), &owner); err != nil {
		t.Fatal(err)
	}
	d, err := s.App.Publish.SaveDraft(ctx, lotus, owner, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: "Tea for the new year", Body: "Soon."}}})
	if err != nil {
		t.Fatal(err)
	}
	do(t, tab, "open the form on the phone", chromedp.Navigate(fmt.Sprintf("%s/mp/a/%d/abtests/new?draft=%d", s.URL, lotus, d.ID)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=abtest-form]`)))
	fitsWidth(t, tab, SmallPhoneWidth, "the form of a new A/B test")
	if v := cspViolations(t, tab); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors: %v", p)
	}

	// A follower of the tea house has exactly one of the two variants.
	reader := Browser(t)
	signIn(t, reader, s, "mei", "follower-demo", "/subscriptions", `[data-testid=folder-item]`)
	folder := run(t, reader, "read the folder", chromedp.Text(chromedp.CSS(`main`)))
	a, b := strings.Count(folder, "Winter tea gift boxes"), strings.Count(folder, "Gift boxes for the Spring Festival")
	if a+b != 1 {
		t.Errorf("mei's folder has variant A %d times and B %d times, want one of them once:\n%s", a, b, folder)
	}
}

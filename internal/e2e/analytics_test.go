package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/user"
)

// The owner reads the dashboard on a phone: charts drawn, nothing scrolls
// sideways; a reader who reaches the end of an article is counted.
func TestAnalyticsOnAPhoneAndReadCompletion(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	ctx := context.Background()
	owner := s.CreatePerson(t, "lin", "owner password 1", user.RoleNone)
	a, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Subscription, Region: account.Domestic,
		Name: "Lotus Tea House", Status: account.StatusActive, OwnerID: owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	now := s.App.Clock.Now()
	for i := 0; i < 30; i++ {
		at := now.AddDate(0, 0, -i)
		for j := 0; j <= i%5; j++ {
			s.App.Analytics.Record(analytics.Event{AccountID: a.ID, Kind: analytics.KindFollow, PersonID: int64(1000 + i*10 + j), Surface: []string{"search", "qr", "article"}[j%3], At: at})
		}
		s.App.Analytics.Record(analytics.Event{AccountID: a.ID, Kind: analytics.KindMenuClick, PersonID: 7, Surface: "A_RATHER_LONG_BUTTON_KEY_FOR_THE_TEA_OF_THE_MONTH", At: at})
		s.App.Analytics.Record(analytics.Event{AccountID: a.ID, Kind: analytics.KindMessageIn, PersonID: 7, Surface: "text", At: at})
	}
	if err := s.App.Analytics.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.AnalyticsStore.RollupNow(ctx); err != nil {
		t.Fatal(err)
	}

	tab := Browser(t)
	signIn(t, tab, s, "lin", "owner password 1", fmt.Sprintf("/mp/a/%d/analytics", a.ID), `[data-testid="analytics-cards"]`)
	n := run(t, tab, "count the charts", chromedp.Evaluate[int](`document.querySelectorAll("svg.chart").length`))
	if n < 4 {
		t.Errorf("%d charts on the page, want at least 4", n)
	}
	checkFitsPhone(t, tab, "analytics")
	do(t, tab, "choose 7 days", chromedp.Click(byText("a", "7 days")), chromedp.WaitVisible(chromedp.CSS(`a[aria-current="true"]`)))
	if p := path(t, tab, s); p != fmt.Sprintf("/mp/a/%d/analytics?range=7", a.ID) {
		t.Errorf("after choosing 7 days the page is %s", p)
	}

	// A published article, read to its end by a signed-in follower.
	pub, art := id.New(), id.New()
	micro := now.UnixMicro()
	if _, err := s.App.DB.Exec(ctx, `INSERT INTO publications (id, account_id, state, title, article_count, first_article_id, published_at, created_at, updated_at)
		VALUES (?, ?, 'published', 'Spring teas', 1, ?, ?, ?, ?)`, pub, a.ID, art, micro, micro, micro); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.DB.Exec(ctx, `INSERT INTO articles (id, publication_id, account_id, idx, title, body_format, body_source, body_html, created_at, updated_at)
		VALUES (?, ?, ?, 0, 'Spring teas', 'html', '', '<p>Short and sweet.</p>', ?, ?)`, art, pub, a.ID, micro, micro); err != nil {
		t.Fatal(err)
	}
	s.CreatePerson(t, "mia", "reader password 1", user.RoleNone)
	reader := Browser(t)
	signIn(t, reader, s, "mia", "reader password 1", fmt.Sprintf("/s/%d", art), `[data-testid="article-body"]`)
	var count int
	for i := 0; i < 100 && count == 0; i++ {
		time.Sleep(50 * time.Millisecond)
		if err := s.App.Analytics.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM analytics_events WHERE kind = 'read_complete' AND object_id = ?`, art).Scan(&count); err != nil {
			t.Fatal(err)
		}
	}
	if count != 1 {
		t.Errorf("%d read completions recorded, want 1", count)
	}
}

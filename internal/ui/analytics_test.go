package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/ui"
	"github.com/heraldoa/herald/internal/user"
)

// anAccount creates an active account owned by a new person and returns
// it with a client signed in as the owner.
func anAccount(t testing.TB, s *apptest.Server, name string) (*account.Account, *apptest.Client) {
	t.Helper()
	owner := s.CreatePerson(t, strings.ToLower(name)+"owner", pw, user.RoleNone)
	a, err := s.App.Accounts.Create(context.Background(), account.NewAccount{Type: account.Subscription, Region: account.Domestic,
		Name: name, Status: account.StatusActive, OwnerID: owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Client(t)
	c.SignIn(owner.Username, pw)
	return a, c
}

// anPeople adds n followers of account with the given region, straight into
// the database (fast).
func anPeople(t *testing.T, s *apptest.Server, accountID int64, n int, region string) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	for i := 0; i < n; i++ {
		pid := id.New()
		if _, err := s.App.DB.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, region, language, created_at, updated_at)
			VALUES (?, ?, 'F', 'x', ?, 'zh_CN', 0, 0)`, pid, fmt.Sprintf("f%d", pid), region); err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.Follows.Follow(ctx, accountID, pid, "search", ""); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, pid)
	}
	return ids
}

func anRollup(t *testing.T, s *apptest.Server) {
	t.Helper()
	ctx := context.Background()
	if err := s.App.Analytics.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.AnalyticsStore.RollupNow(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.App.AnalyticsStore.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestAnalyticsDashboardShowsOnlyTheAccountsOwnFigures(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	a, ca := anAccount(t, s, "Tea")
	b, cb := anAccount(t, s, "Bank")
	pa := anPeople(t, s, a.ID, 12, "Shanghai")
	anPeople(t, s, a.ID, 3, "Beijing")
	now := s.App.Clock.Now()
	rec := s.App.Analytics
	for i, p := range pa {
		src := "search"
		if i < 4 {
			src = "qr"
		}
		rec.Record(analytics.Event{AccountID: a.ID, Kind: analytics.KindFollow, PersonID: p, Surface: src, Device: analytics.DeviceMobile, At: now})
	}
	rec.Record(analytics.Event{AccountID: a.ID, Kind: analytics.KindMenuClick, PersonID: pa[0], Surface: "TEA_PRICES", At: now})
	rec.Record(analytics.Event{AccountID: a.ID, Kind: analytics.KindMenuClick, PersonID: pa[1], Surface: "=HYPERLINK(\"x\")", At: now})
	rec.Record(analytics.Event{AccountID: a.ID, Kind: analytics.KindMessageIn, PersonID: pa[0], Surface: "text", At: now})
	rec.Record(analytics.Event{AccountID: b.ID, Kind: analytics.KindMenuClick, PersonID: 1, Surface: "BANK_SECRET_BUTTON", At: now})
	anRollup(t, s)

	res := ca.Get(fmt.Sprintf("/mp/a/%d/analytics", a.ID))
	wantStatus(t, res, http.StatusOK)
	for _, want := range []string{"<svg", "TEA_PRICES", "QR code", `data-testid="table-sources"`, "Shanghai", "Follows: total 12"} {
		if !res.Contains(want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	if res.Contains("BANK_SECRET_BUTTON") {
		t.Error("the tea house's dashboard shows the bank's menu button")
	}
	// Beijing has 3 followers: below the minimum group of 10, not shown.
	if res.Contains(">Beijing<") {
		t.Error("a group of 3 followers is shown")
	}
	// New followers card: 12 this period.
	if !strings.Contains(res.Body, `<span class="stat">12</span>`) {
		t.Error("the new-followers card does not show 12")
	}
	// Conversion: the qr follower pa[0] wrote a message.
	csv := ca.Get(fmt.Sprintf("/mp/a/%d/analytics/conversion.csv?range=7", a.ID))
	wantStatus(t, csv, http.StatusOK)
	if !strings.Contains(csv.Body, "QR code,4,1,0,0,1,25.0%") {
		t.Errorf("conversion CSV:\n%s", csv.Body)
	}
	menu := ca.Get(fmt.Sprintf("/mp/a/%d/analytics/menu.csv", a.ID))
	if !strings.HasPrefix(menu.Body, "Button,Clicks") || !strings.Contains(menu.Body, "TEA_PRICES,1,1") {
		t.Errorf("menu CSV:\n%s", menu.Body)
	}
	if !strings.Contains(menu.Body, `"'=HYPERLINK(""x"")"`) {
		t.Errorf("a formula in a button key is not neutralised:\n%s", menu.Body)
	}
	demo := ca.Get(fmt.Sprintf("/mp/a/%d/analytics/demographics.csv", a.ID))
	if !strings.Contains(demo.Body, "region,Shanghai,12") || strings.Contains(demo.Body, "Beijing") {
		t.Errorf("demographics CSV:\n%s", demo.Body)
	}
	wantStatus(t, ca.Get(fmt.Sprintf("/mp/a/%d/analytics/nothing.csv", a.ID)), http.StatusNotFound)

	// The bank's owner can open neither the tea house's page nor its exports.
	wantStatus(t, cb.Get(fmt.Sprintf("/mp/a/%d/analytics", a.ID)), http.StatusForbidden)
	wantStatus(t, cb.Get(fmt.Sprintf("/mp/a/%d/analytics/menu.csv", a.ID)), http.StatusForbidden)
	own := cb.Get(fmt.Sprintf("/mp/a/%d/analytics", b.ID))
	wantStatus(t, own, http.StatusOK)
	if own.Contains("TEA_PRICES") || !own.Contains("BANK_SECRET_BUTTON") {
		t.Error("the bank's dashboard shows the wrong menu buttons")
	}
}

func TestAnalyticsNeedsTheAnalyticsRole(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	a, _ := anAccount(t, s, "Tea")
	ctx := context.Background()
	for _, role := range []string{account.RoleAgent, account.RoleAnalyst} {
		p := s.CreatePerson(t, role+"x", pw, user.RoleNone)
		if err := s.App.Accounts.AddMember(ctx, a.ID, p.ID, role); err != nil {
			t.Fatal(err)
		}
		c := s.Client(t)
		c.SignIn(p.Username, pw)
		want := http.StatusOK
		if role == account.RoleAgent {
			want = http.StatusForbidden
		}
		wantStatus(t, c.Get(fmt.Sprintf("/mp/a/%d/analytics", a.ID)), want)
	}
}

func TestAnalyticsRejectsABadRangeAndKeepsThePage(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	a, c := anAccount(t, s, "Tea")
	res := c.Get(fmt.Sprintf("/mp/a/%d/analytics?from=2026-13-40&to=2026-01-01", a.ID))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "Enter a date as YYYY-MM-DD.")
	wantBody(t, res, `data-testid="analytics-growth"`)
	res = c.Get(fmt.Sprintf("/mp/a/%d/analytics?from=2026-03-10&to=2026-03-01", a.ID))
	wantBody(t, res, "The end must not be before the start.")
	res = c.Get(fmt.Sprintf("/mp/a/%d/analytics?from=0001-01-01&to=0001-12-31", a.ID))
	wantBody(t, res, "Choose a start from 2014-01-01 on.")
	res = c.Get(fmt.Sprintf("/mp/a/%d/analytics?from=2020-01-01&to=2020-03-01", a.ID))
	wantStatus(t, res, http.StatusOK)
	wantBody(t, res, "2020-01-01 to 2020-03-01")
	wantBody(t, res, "compared with 2019-11-01 to 2019-12-31")
}

func TestAdminAnalyticsIsForStaff(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	anAccount(t, s, "Tea")
	anAccount(t, s, "Bank")
	if err := s.App.AnalyticsStore.PlatformSnapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	admin, _ := staffClient(t, s, "boss", user.RoleAdmin)
	res := admin.Get("/admin/analytics")
	wantStatus(t, res, http.StatusOK)
	wantBody(t, res, `<td data-testid="accounts-active">2</td>`)
	wantBody(t, res, "Platform activity over the last 30 days")
	_, owner := anAccount(t, s, "Shop")
	wantStatus(t, owner.Get("/admin/analytics"), http.StatusForbidden)
}

// anWaitEvents waits (bounded) until the account has want raw events of
// kind: the responder chain runs after the response.
func anWaitEvents(t *testing.T, s *apptest.Server, accountID int64, kind string, want int) {
	t.Helper()
	ctx := context.Background()
	var n int
	for i := 0; i < 200; i++ {
		if err := s.App.Analytics.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM analytics_events WHERE account_id = ? AND kind = ?`, accountID, kind).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n >= want {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n != want {
		t.Fatalf("%d %s events, want %d", n, kind, want)
	}
}

// What a follower does in the app reaches the owner's dashboard.
func TestFollowerActionsAreCaptured(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	a, owner := anAccount(t, s, "Tea")
	_, fc := follower(t, s, "mia")
	wantStatus(t, fc.PostForm(fmt.Sprintf("/a/%d/follow", a.ID), url.Values{"source": {"search"}}), http.StatusSeeOther)
	wantStatus(t, fc.PostForm(fmt.Sprintf("/chat/%d/send", a.ID), url.Values{"kind": {"text"}, "text": {"Do you sell oolong?"}}), http.StatusSeeOther)
	anWaitEvents(t, s, a.ID, analytics.KindFollow, 1)
	anWaitEvents(t, s, a.ID, analytics.KindMessageIn, 1)
	wantStatus(t, fc.PostForm(fmt.Sprintf("/a/%d/unfollow", a.ID), nil), http.StatusSeeOther)
	anWaitEvents(t, s, a.ID, analytics.KindUnfollow, 1)
	if _, err := s.App.AnalyticsStore.RollupNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	growth := owner.Get(fmt.Sprintf("/mp/a/%d/analytics/sources.csv", a.ID))
	if !strings.Contains(growth.Body, "Search,1,1,0,") {
		t.Errorf("sources CSV:\n%s", growth.Body)
	}
	msgs := owner.Get(fmt.Sprintf("/mp/a/%d/analytics/messages.csv", a.ID))
	today := s.App.AnalyticsStore.Today(a.Timezone)
	if !strings.Contains(msgs.Body, today+",1,1,1") {
		t.Errorf("messages CSV (want today %s with 1 text message):\n%s", today, msgs.Body)
	}
}

// anArticle inserts a published article straight into the publishing
// tables and returns its id.
func anArticle(t testing.TB, s *apptest.Server, accountID int64, title string) int64 {
	t.Helper()
	ctx := context.Background()
	now := s.App.Clock.Now().UnixMicro()
	pub, art := id.New(), id.New()
	if _, err := s.App.DB.Exec(ctx, `INSERT INTO publications (id, account_id, state, title, article_count, first_article_id, published_at, created_at, updated_at)
		VALUES (?, ?, 'published', ?, 1, ?, ?, ?, ?)`, pub, accountID, title, art, now, now, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.DB.Exec(ctx, `INSERT INTO articles (id, publication_id, account_id, idx, title, body_format, body_source, body_html, created_at, updated_at)
		VALUES (?, ?, ?, 0, ?, 'html', '<p>Hi</p>', '<p>Hi <a href="https://example.com/x">x</a></p>', ?, ?)`, art, pub, accountID, title, now, now); err != nil {
		t.Fatal(err)
	}
	return art
}

// The reading page's script reports completion, links and shares; only
// for published articles, under the article's own account.
func TestArticleBeaconRecordsCompletionLinksAndShares(t *testing.T) {
	t.Parallel()
	s := apptest.New(t)
	a, owner := anAccount(t, s, "Tea")
	art := anArticle(t, s, a.ID, "Spring teas")
	mia, fc := follower(t, s, "mia")
	for _, f := range []url.Values{{"what": {"complete"}}, {"what": {"link"}, "where": {"source"}}, {"what": {"share"}}, {"what": {"bogus"}}} {
		wantStatus(t, fc.PostForm(fmt.Sprintf("/analytics/article/%d", art), f), http.StatusNoContent)
	}
	wantStatus(t, fc.PostForm("/analytics/article/12345", url.Values{"what": {"complete"}}), http.StatusNoContent)
	anWaitEvents(t, s, a.ID, analytics.KindReadComplete, 1)
	anWaitEvents(t, s, a.ID, analytics.KindLinkClick, 1)
	anWaitEvents(t, s, a.ID, analytics.KindShare, 1)
	var n int
	var person int64
	if err := s.App.DB.QueryRow(context.Background(), `SELECT COUNT(*), MAX(person_id) FROM analytics_events WHERE object_id = ?`, art).Scan(&n, &person); err != nil {
		t.Fatal(err)
	}
	if n != 3 || person != mia.ID {
		t.Errorf("%d events for the article by %d, want 3 by mia (%d)", n, person, mia.ID)
	}
	if _, err := s.App.AnalyticsStore.RollupNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	// No read was recorded here, so the article has no row yet; the
	// interface of the page stays intact.
	wantStatus(t, owner.Get(fmt.Sprintf("/mp/a/%d/analytics", a.ID)), http.StatusOK)
}

func TestReadSurfaceFromLinkOrReferer(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ target, referer, want string }{
		{"/s/1?from=folder", "", "folder"},
		{"/s/1", "http://example.com/chat/9", "chat"},
		{"/s/1", "http://example.com/subscriptions", "folder"},
		{"/s/1", "http://example.com/a/9", "profile"},
		{"/s/1", "http://elsewhere.net/chat/9", "link"},
		{"/s/1", "", "link"},
		{"/s/1?from=evil", "", "link"},
	} {
		r := httptest.NewRequest(http.MethodGet, "http://example.com"+c.target, nil)
		if c.referer != "" {
			r.Header.Set("Referer", c.referer)
		}
		if got := ui.ReadSurface(r); got != c.want {
			t.Errorf("%s from %q: %s, want %s", c.target, c.referer, got, c.want)
		}
	}
}

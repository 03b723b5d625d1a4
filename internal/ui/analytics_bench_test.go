package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/id"
)

// BenchmarkReadPageCapture serves the article reading page (GET /s/{id})
// in process, without and with capturing one read event per request (what
// the reading page's capture call does), to show what capture adds.
func BenchmarkReadPageCapture(b *testing.B) {
	s := apptest.New(b)
	a, _ := anAccount(b, s, "Bench")
	ctx := context.Background()
	now := db.Micro(s.App.Clock.Now())
	pub, art := id.New(), id.New()
	body := "<p>" + strings.Repeat("Tea is the second most consumed drink in the world. ", 60) + "</p>"
	if _, err := s.App.DB.Exec(ctx, `INSERT INTO publications (id, account_id, state, title, article_count, first_article_id, published_at, created_at, updated_at)
		VALUES (?, ?, 'published', 'Spring teas', 1, ?, ?, ?, ?)`, pub, a.ID, art, now, now, now); err != nil {
		b.Skipf("publishing tables differ: %v", err)
	}
	if _, err := s.App.DB.Exec(ctx, `INSERT INTO articles (id, publication_id, account_id, idx, title, author, body_format, body_source, body_html, created_at, updated_at)
		VALUES (?, ?, ?, 0, 'Spring teas', 'Lin', 'html', ?, ?, ?, ?)`, art, pub, a.ID, body, body, now, now); err != nil {
		b.Skipf("publishing tables differ: %v", err)
	}
	h := s.HTTP.Config.Handler
	path := fmt.Sprintf("/s/%d", art)
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, httptest.NewRequest(http.MethodGet, path, nil))
	if rr.Code != http.StatusOK || !strings.Contains(rr.Body.String(), "second most consumed") {
		b.Skipf("reading page answered %d", rr.Code)
	}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { s.App.Analytics.Run(wctx); close(done) }()
	defer func() { cancel(); <-done }()
	rec := s.App.Analytics
	captured := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.Record(analytics.Event{AccountID: a.ID, Kind: analytics.KindRead, ObjectID: art, Surface: analytics.SurfaceLink,
			Device: analytics.DeviceClass(r.UserAgent())})
		h.ServeHTTP(w, r)
	})
	// The same call into a recorder whose events nobody writes: what the
	// request itself pays, without the background writer's load.
	idle := analytics.NewRecorder(s.App.DB, s.App.Clock, nil, 1<<20)
	requestOnly := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		idle.Record(analytics.Event{AccountID: a.ID, Kind: analytics.KindRead, ObjectID: art, Surface: analytics.SurfaceLink,
			Device: analytics.DeviceClass(r.UserAgent())})
		h.ServeHTTP(w, r)
	})
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"plain", h}, {"record-only", requestOnly}, {"capture", captured}, {"plain2", h}, {"record-only2", requestOnly}, {"capture2", captured}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.Header.Set("User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148")
				w := httptest.NewRecorder()
				c.h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
	b.ReportMetric(float64(rec.Dropped()), "dropped")
}

// BenchmarkAnalyticsPage1M renders the whole console page (queries, SVG
// charts, template) for an account with 1,000,000 followers and a year of
// rollups, for the 30-day default and a 365-day custom range.
func BenchmarkAnalyticsPage1M(b *testing.B) {
	s := apptest.New(b)
	a, c := anAccount(b, s, "Big")
	ctx := context.Background()
	if _, err := s.App.DB.Exec(ctx, `UPDATE accounts SET follower_count = 1000000 WHERE id = ?`, a.ID); err != nil {
		b.Fatal(err)
	}
	today := s.App.AnalyticsStore.Today(a.Timezone)
	seedYearOfRollups(b, s, a.ID, today)
	for _, q := range []string{"range=30", "from=" + analytics.AddDays(today, -364) + "&to=" + today} {
		b.Run(strings.SplitN(q, "&", 2)[0], func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				res := c.Get(fmt.Sprintf("/mp/a/%d/analytics?%s", a.ID, q))
				if res.Status != http.StatusOK || !res.Contains("1000000") {
					b.Fatalf("status %d", res.Status)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/page")
		})
	}
}

// seedYearOfRollups writes a year of daily rows in bulk (see
// analytics.BenchmarkDashboard1M for the shape).
func seedYearOfRollups(tb testing.TB, s *apptest.Server, accountID int64, today string) {
	tb.Helper()
	ctx := context.Background()
	var args []any
	var q strings.Builder
	flush := func() {
		if len(args) == 0 {
			return
		}
		if _, err := s.App.DB.Exec(ctx, `INSERT INTO analytics_daily (account_id, day, kind, surface, object_id, events, users, value_sum, value_max, failures) VALUES `+strings.TrimSuffix(q.String(), ","), args...); err != nil {
			tb.Fatal(err)
		}
		args = args[:0]
		q.Reset()
	}
	add := func(day, kind, surface string, obj, n int64) {
		q.WriteString("(?,?,?,?,?,?,?,0,0,0),")
		args = append(args, accountID, day, kind, surface, obj, n, n*4/5)
		if len(args) >= 5000 {
			flush()
		}
	}
	for i := 0; i < 365; i++ {
		day := analytics.AddDays(today, -i)
		n := int64(1000 + i%97*10)
		for j, src := range []string{"search", "profile", "qr", "article", "other", "*"} {
			add(day, "follow", src, -1, n/int64(j+2))
			add(day, "unfollow", src, -1, n/int64(j+9))
			add(day, analytics.ConvFollows, src, -1, n/int64(j+2))
			add(day, analytics.ConvAny, src, -1, n/int64(j+20))
		}
		for _, sfc := range []string{"chat", "folder", "profile", "link", "*"} {
			add(day, "read", sfc, -1, 50000)
			add(day, "impression", sfc, -1, 200000)
		}
		for _, t := range []string{"text", "image", "voice", "*"} {
			add(day, "message_in", t, -1, 3000)
		}
		for k := 0; k < 10; k++ {
			add(day, "menu_click", fmt.Sprintf("BUTTON_%d", k), -1, 500)
		}
		for k := int64(0); k < 2; k++ {
			for _, kind := range []string{"read", "impression", "read_complete", "share", "like", "wow", "comment"} {
				add(day, kind, "*", int64(i)*2+k+1, 20000)
			}
			add(day, "read", "chat", int64(i)*2+k+1, 12000)
			add(day, "read", "folder", int64(i)*2+k+1, 8000)
		}
	}
	flush()
}

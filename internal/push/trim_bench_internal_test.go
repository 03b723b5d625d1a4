package push

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// trimLog is a push log over a new database holding one account, and
// the time the trim tests call now.
func trimLog(tb testing.TB) (*db.DB, *Store, int64, time.Time) {
	tb.Helper()
	d := dbtest.New(tb)
	c := &clock.Offset{}
	a, err := account.NewStore(d, c).Create(context.Background(), account.NewAccount{Type: account.Service, Region: account.Domestic,
		Name: "Harbour Bank", Status: account.StatusActive})
	if err != nil {
		tb.Fatal(err)
	}
	s := NewStore(d, c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return d, s, a.ID, time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
}

// analyzeLog gathers the statistics a maintained database would have
// (SQLite's ANALYZE; PostgreSQL's autovacuum).
func analyzeLog(tb testing.TB, d *db.DB) {
	tb.Helper()
	q := `ANALYZE`
	if d.Dialect() == db.Postgres {
		q = `VACUUM ANALYZE push_deliveries`
	}
	if _, err := d.Exec(context.Background(), q); err != nil {
		tb.Fatal(err)
	}
}

// logDays writes n deliveries per day of the log for the days before
// now, oldest first, with ids that grow with created_at as the writer's
// do, and returns the ids by day (0: today).
func logDays(t testing.TB, s *Store, accountID int64, now time.Time, days, n int) map[int][]int64 {
	t.Helper()
	byDay := map[int][]int64{}
	next := int64(1) << 40
	for day := days - 1; day >= 0; day-- {
		for i := range n {
			next += 1 << 22
			d := &Delivery{ID: next, AccountID: accountID, Kind: KindMessage, Mode: Safe, URL: "https://example.com/wx", OK: true,
				CreatedAt: now.AddDate(0, 0, -day).Add(-time.Duration(n-i) * time.Minute)}
			s.RecordAsync(d)
			byDay[day] = append(byDay[day], d.ID)
		}
	}
	s.waitLog()
	return byDay
}

// BenchmarkDeleteOlderThan trims a log of 31 days of 3,300 deliveries
// each (102,300 rows) to 30 days, as the daily job does: the first trim
// deletes the oldest day, the others find nothing to delete.
func BenchmarkDeleteOlderThan(b *testing.B) {
	d, s, accountID, now := trimLog(b)
	ctx := context.Background()
	logDays(b, s, accountID, now, 31, 3300)
	analyzeLog(b, d)
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.DeleteOlderThan(ctx, now.AddDate(0, 0, -30)); err != nil {
			b.Fatal(err)
		}
	}
}

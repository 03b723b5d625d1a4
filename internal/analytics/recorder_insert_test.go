package analytics_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// The recorder writes a batch with several prepared INSERTs of fixed sizes;
// every event of every flush is stored once, as the single INSERT of
// InsertEvents stores it, whatever the batch's size.
func TestRecorderStoresEachEventOnce(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	at := utc("2026-03-10 12:00:00")
	kinds := []string{analytics.KindRead, analytics.KindLike, analytics.KindMenuClick, analytics.KindShare}
	for _, count := range []int{1, 3, 999, 1000, 1001, 1777, 2500} {
		t.Run(fmt.Sprint(count), func(t *testing.T) {
			byRecorder, byInsert := newAccount(t, d, "UTC", 0), newAccount(t, d, "UTC", 0)
			evs := make([]analytics.Event, count)
			for i := range evs {
				evs[i] = analytics.Event{AccountID: byRecorder, Kind: kinds[i%len(kinds)], PersonID: int64(i + 1), ObjectID: int64(i % 7),
					Surface: fmt.Sprintf("s%d", i%5), Value: int64(i % 11), Failed: i%3 == 0, Device: []string{"", "ios", "android"}[i%3],
					At: at.Add(time.Duration(i) * time.Second)}
			}
			rec := analytics.NewRecorderWith(d, &fixedClock{at}, nil, analytics.RecorderOptions{Buffer: 4096, BatchSize: 2500, FlushEvery: time.Hour})
			for _, ev := range evs {
				rec.Record(ev)
			}
			for i := range 5 { // counted in one row
				rec.Record(analytics.Event{AccountID: byRecorder, Kind: analytics.KindAPICall, Surface: "cgi-bin/user/info", Value: 2, At: at.Add(time.Duration(i) * time.Second)})
			}
			if err := rec.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			for i := range evs {
				evs[i].AccountID = byInsert
			}
			if err := analytics.InsertEvents(ctx, d, evs); err != nil {
				t.Fatal(err)
			}
			got, want := storedEvents(t, d, byRecorder), storedEvents(t, d, byInsert)
			if len(got) != count || len(want) != count {
				t.Fatalf("%d events stored by the recorder, %d by InsertEvents; want %d", len(got), len(want), count)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("event %d: recorder stored %s, InsertEvents %s", i, got[i], want[i])
				}
			}
			var calls, rows int64
			if err := d.QueryRow(ctx, `SELECT COALESCE(SUM(n), 0), COUNT(*) FROM analytics_events WHERE account_id = ? AND kind = ?`, byRecorder, analytics.KindAPICall).Scan(&calls, &rows); err != nil {
				t.Fatal(err)
			}
			if calls != 5 || rows != 1 {
				t.Errorf("API calls: %d in %d rows, want 5 in 1", calls, rows)
			}
			var ids int64
			if err := d.QueryRow(ctx, `SELECT COUNT(DISTINCT id) FROM analytics_events WHERE account_id = ?`, byRecorder).Scan(&ids); err != nil {
				t.Fatal(err)
			}
			if ids != int64(count)+1 {
				t.Errorf("%d distinct ids for %d rows", ids, count+1)
			}
		})
	}
}

// storedEvents is an account's raw events (API calls aside) as text, in
// person order, without their ids.
func storedEvents(t *testing.T, d *db.DB, account int64) []string {
	t.Helper()
	rows, err := d.Query(context.Background(), `SELECT kind, person_id, object_id, surface, value, failed, device, at, n
		FROM analytics_events WHERE account_id = ? AND kind <> ? ORDER BY person_id`, account, analytics.KindAPICall)
	out, err := db.Collect(rows, err, func(r *sql.Rows) (string, error) {
		var kind, surface, device string
		var person, object, value, at, n int64
		var failed bool
		err := r.Scan(&kind, &person, &object, &surface, &value, &failed, &device, &at, &n)
		return fmt.Sprint(kind, person, object, surface, value, failed, device, at, n), err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Developer API calls are counted by Record itself: a buffer full of other
// events does not drop them.
func TestAPICallsCountedWhenTheBufferIsFull(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	a := newAccount(t, d, "UTC", 0)
	rec := analytics.NewRecorder(d, &fixedClock{utc("2026-03-10 12:00:00")}, nil, 2)
	for i := range 3 { // two fill the buffer, the third is dropped
		rec.Record(analytics.Event{AccountID: a, Kind: analytics.KindRead, PersonID: int64(i + 1), ObjectID: 1})
	}
	for range 10 {
		rec.Record(analytics.Event{AccountID: a, Kind: analytics.KindAPICall, Surface: "cgi-bin/user/info"})
	}
	if err := rec.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var calls, reads int64
	if err := d.QueryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN kind = ? THEN n END), 0), COUNT(CASE WHEN kind = ? THEN 1 END)
		FROM analytics_events WHERE account_id = ?`, analytics.KindAPICall, analytics.KindRead, a).Scan(&calls, &reads); err != nil {
		t.Fatal(err)
	}
	if calls != 10 || reads != 2 || rec.Dropped() != 1 {
		t.Errorf("%d API calls and %d reads stored, %d dropped; want 10, 2 and 1", calls, reads, rec.Dropped())
	}
}

package push

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

func remainingIDs(t *testing.T, d *db.DB) map[int64]bool {
	t.Helper()
	rows, err := d.Query(context.Background(), `SELECT id FROM push_deliveries`)
	ids, err := db.Collect(rows, err, func(r *sql.Rows) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out
}

// The 30-day trim deletes every delivery older than the cutoff and none
// younger, also a younger one written with an older id (another node's
// clock behind), and a trim of an empty log deletes nothing.
func TestDeleteOlderThanKeepsTheLastDays(t *testing.T) {
	d, s, accountID, now := trimLog(t)
	ctx := context.Background()
	cutoff := now.AddDate(0, 0, -30).Add(-30 * time.Minute)
	if n, err := s.DeleteOlderThan(ctx, cutoff); err != nil || n != 0 {
		t.Fatalf("trimming an empty log: %d rows, %v", n, err)
	}
	byDay := logDays(t, s, accountID, now, 40, 60)
	// A delivery of today logged with an id among the oldest days'.
	late := &Delivery{ID: byDay[35][0] + 1, AccountID: accountID, Kind: KindMessage, Mode: Safe, URL: "https://example.com/wx", CreatedAt: now}
	if err := s.Record(ctx, late); err != nil {
		t.Fatal(err)
	}
	deleted, err := s.DeleteOlderThan(ctx, cutoff)
	if err != nil {
		t.Fatal(err)
	}
	left := remainingIDs(t, d)
	want := int64(0)
	for day, ids := range byDay {
		n := len(ids)
		for i, id := range ids {
			created := now.AddDate(0, 0, -day).Add(-time.Duration(n-i) * time.Minute)
			old := created.Before(cutoff)
			if old {
				want++
			}
			if left[id] == old {
				t.Fatalf("delivery of %v (cutoff %v): kept %v", created, cutoff, left[id])
			}
		}
	}
	if !left[late.ID] {
		t.Error("a young delivery with an old id was deleted")
	}
	if deleted != want {
		t.Errorf("deleted %d rows, want %d", deleted, want)
	}
	if n, err := s.DeleteOlderThan(ctx, cutoff); err != nil || n != 0 {
		t.Errorf("trimming again: %d rows, %v", n, err)
	}
}

// The trim's statements read the log by its primary key, never the whole
// log.
func TestDeleteOlderThanPlanUsesThePrimaryKey(t *testing.T) {
	d, s, accountID, now := trimLog(t)
	byDay := logDays(t, s, accountID, now, 31, 100)
	analyzeLog(t, d)
	cutoff := db.Micro(now.AddDate(0, 0, -30))
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{boundsSQL, nil},
		{firstRowFromSQL, []any{byDay[15][0]}},
		{trimSQL, []any{byDay[29][0], cutoff}},
	} {
		plan := strings.Join(dbtest.Plan(t, d, q.sql, q.args...), "\n")
		if strings.Contains(plan, "Seq Scan") || strings.Contains(plan, "SCAN push_deliveries") {
			t.Errorf("%s reads the whole log:\n%s", q.sql, plan)
		}
		if !strings.Contains(plan, "push_deliveries_pkey") && !strings.Contains(plan, "sqlite_autoindex_push_deliveries_1") {
			t.Errorf("%s does not use the primary key:\n%s", q.sql, plan)
		}
	}
}

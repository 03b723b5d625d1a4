package analytics_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/settings"
)

// TestImportPushLogAcrossNodes: three nodes import the push log at the same
// time, again and again, while pushes keep being logged — some with ids
// from a clock 20 s behind, below what was already imported. Every push is
// counted exactly once.
func TestImportPushLogAcrossNodes(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	clk := &fixedClock{utc("2026-03-10 12:00:00")}
	a := newAccount(t, d, "UTC", 0)
	var nodes []*analytics.Store
	for range 3 {
		h := dbtest.Reopen(t, d)
		nodes = append(nodes, analytics.NewStore(h, clk, settings.NewStore(h, clk), nil))
	}
	// Ids are shaped like the id package's (milliseconds above 22 bits), with
	// the milliseconds of a node whose clock may be behind; the low bits are
	// a counter, so two rows never share an id whatever the clocks say.
	seq := int64(0)
	logPush := func(skew time.Duration, kind string) {
		ms := time.Now().Add(skew).UnixMilli() - id.Time(0).UnixMilli()
		seq++
		logPushRow(t, d, ms<<22|seq, a, kind, true, 1000, utc("2026-03-10 09:00:00"))
	}
	pushes := 0
	for round := range 5 {
		for i := range 40 {
			kind := "message"
			if i%10 == 9 {
				kind = "verify" // handshakes are never counted
			} else {
				pushes++
			}
			skew := time.Duration(0)
			if (i+round)%3 == 0 {
				skew = -20 * time.Second
			}
			logPush(skew, kind)
		}
		var wg sync.WaitGroup
		for _, n := range nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := n.ImportPushLog(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	var events int64
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM analytics_events WHERE kind = 'push_delivery' AND account_id = ?`, a).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if events != int64(pushes) {
		t.Fatalf("%d push_delivery events for %d pushes", events, pushes)
	}
}

// logPushRow writes a push-log row as the push log's writer does: the row,
// and for a message or event its entry in the queue analytics imports from.
func logPushRow(t *testing.T, d *db.DB, id, account int64, kind string, ok bool, us int64, at time.Time) {
	t.Helper()
	ctx := context.Background()
	err := d.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO push_deliveries (id, account_id, kind, mode, url, ok, duration_us, created_at) VALUES (?, ?, ?, 'plain', 'https://dev.example/wx', ?, ?, ?)`,
			id, account, kind, ok, us, db.Micro(at)); err != nil || kind == "verify" {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO push_import_queue (id, account_id, person_id, kind, ok, duration_us, created_at) VALUES (?, ?, 0, ?, ?, ?, ?)`,
			id, account, kind, ok, us, db.Micro(at))
		return err
	})
	if err != nil {
		t.Fatalf("log a push: %v", err)
	}
}

// TestBackfillOnceAcrossNodes: three nodes start together on an upgraded
// database and all run the backfill; the history is imported once.
func TestBackfillOnceAcrossNodes(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	clk := &fixedClock{utc("2026-03-10 12:00:00")}
	a := newAccount(t, d, "UTC", 0)
	for i := range 30 {
		if _, err := d.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, ?, '', '', 0, 0)`, int64(9000+i), "bf"+itoa(int64(i))); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `INSERT INTO follows (account_id, person_id, openid, following, source, subscribed_at, created_at) VALUES (?, ?, ?, TRUE, 'search', ?, 0)`,
			a, int64(9000+i), "o"+itoa(int64(i)), db.Micro(utc("2026-03-05 10:00:00"))); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for range 3 {
		h := dbtest.Reopen(t, d)
		st := analytics.NewStore(h, clk, settings.NewStore(h, clk), nil)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := st.Backfill(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var n int64
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM analytics_events WHERE kind = 'follow' AND account_id = ?`, a).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 30 {
		t.Fatalf("%d follow events backfilled for 30 follows", n)
	}
}

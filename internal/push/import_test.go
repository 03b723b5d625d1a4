package push_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/push"
	"github.com/heraldoa/herald/internal/settings"
)

// Every delivery the push log's writer stores is imported by analytics
// exactly once, while deliveries keep being logged (bursts, which
// PostgreSQL loads with COPY, and single waited-for records, INSERTs) and
// two nodes import at the same time, again and again: the import takes
// rows from the queue the log's writes fill, not from the log, and leaves
// the queue empty. Handshakes are never imported.
func TestPushLogImportedOnceAcrossNodes(t *testing.T) {
	h := heraldtest.New(t)
	app := h.Internal().App
	ctx := context.Background()
	a := h.Service
	var nodes []*analytics.Store
	for range 2 {
		d := dbtest.Reopen(t, app.DB)
		nodes = append(nodes, analytics.NewStore(d, app.Clock, settings.NewStore(d, app.Clock), nil))
	}
	var imported atomic.Int64
	importAll := func(n *analytics.Store) {
		got, err := n.ImportPushLog(ctx)
		if err != nil {
			t.Error(err)
		}
		imported.Add(got)
	}
	const rounds, burst = 6, 40
	pushes := 0
	for round := range rounds {
		var wg sync.WaitGroup
		for _, n := range nodes {
			wg.Add(1)
			go func() { // importing while the round is logged
				defer wg.Done()
				for range 3 {
					importAll(n)
				}
			}()
		}
		for i := range burst {
			kind := push.KindMessage
			switch {
			case i%10 == 9:
				kind = push.KindVerify // never imported
			case i%2 == 0:
				kind = push.KindEvent
			}
			if kind != push.KindVerify {
				pushes++
			}
			d := &push.Delivery{AccountID: a.ID, Kind: kind, Mode: push.Safe, URL: "https://dev.example/wx", OK: i%7 != 0, Attempts: 1}
			if round%2 == 1 && i%8 == 0 {
				if err := app.DevSettings.Record(ctx, d); err != nil {
					t.Fatal(err)
				}
				continue
			}
			app.DevSettings.RecordAsync(d)
		}
		app.DevSettings.WaitLog()
		wg.Wait()
	}
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Add(1)
		go func() { defer wg.Done(); importAll(n) }()
	}
	wg.Wait()
	var events, queued int64
	if err := app.DB.QueryRow(ctx, `SELECT COUNT(*) FROM analytics_events WHERE kind = 'push_delivery' AND account_id = ?`, a.ID).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if events != int64(pushes) || imported.Load() != int64(pushes) {
		t.Errorf("%d push_delivery events (%d reported imported) for %d pushes", events, imported.Load(), pushes)
	}
	if err := app.DB.QueryRow(ctx, `SELECT COUNT(*) FROM push_import_queue`).Scan(&queued); err != nil || queued != 0 {
		t.Errorf("%d rows left to import (%v)", queued, err)
	}
	if n, err := nodes[0].ImportPushLog(ctx); err != nil || n != 0 {
		t.Errorf("an import after everything was imported took %d (%v)", n, err)
	}
}

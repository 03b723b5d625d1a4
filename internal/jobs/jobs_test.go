package jobs_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/jobs"
	"github.com/heraldoa/herald/internal/lease"
)

func runner(t *testing.T, d *db.DB, holder string, ttl time.Duration) *jobs.Runner {
	r := jobs.NewRunnerWith(slog.New(slog.DiscardHandler), lease.New(d, holder), jobs.Options{LeaseTTL: ttl})
	t.Cleanup(func() { _ = r.Stop(context.Background()) })
	return r
}

// TestOneNodeAtATime: three nodes run the same task every 500 ms for about
// 2.2 s. Without leases that is some 15 runs; with them the cluster runs it
// once per interval (4–6 times) and never on two nodes at once.
func TestOneNodeAtATime(t *testing.T) {
	d := dbtest.New(t)
	var runs, running, overlap atomic.Int64
	task := func(ctx context.Context) error {
		if running.Add(1) > 1 {
			overlap.Add(1)
		}
		runs.Add(1)
		time.Sleep(50 * time.Millisecond)
		running.Add(-1)
		return nil
	}
	var rs []*jobs.Runner
	for _, n := range []string{"a", "b", "c"} {
		r := runner(t, dbtest.Reopen(t, d), n, 5*time.Second)
		r.Every("sweep", 500*time.Millisecond, task)
		rs = append(rs, r)
	}
	time.Sleep(2200 * time.Millisecond)
	for _, r := range rs {
		_ = r.Stop(context.Background())
	}
	if n := runs.Load(); n < 3 || n > 6 {
		t.Fatalf("the task ran %d times in 2.2 s at a 500 ms interval on three nodes, want 4–6 (once per interval)", n)
	}
	if overlap.Load() > 0 {
		t.Fatal("the task ran on two nodes at once")
	}
}

// TestTakeOverFromADeadNode: a node took the task's lease and died (it
// never renews). The task does not run elsewhere until the lease expires,
// then another node runs it.
func TestTakeOverFromADeadNode(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	dead := lease.New(d, "dead-node")
	if ok, _, err := dead.Take(ctx, "job:sweep", 1500*time.Millisecond); err != nil || !ok {
		t.Fatal(ok, err)
	}
	took := time.Now()
	ran := make(chan time.Time, 10)
	r := runner(t, dbtest.Reopen(t, d), "alive", time.Second)
	r.Every("sweep", 200*time.Millisecond, func(context.Context) error { ran <- time.Now(); return nil })
	select {
	case at := <-ran:
		if at.Sub(took) < time.Second {
			t.Fatalf("ran %v after the dead node took the lease, before it expired", at.Sub(took))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the task was never taken over")
	}
}

// TestLostLeaseCancelsTheTask: while a long task runs, its lease is taken
// by another node (as after a long pause); the renewal notices and cancels
// the task's context.
func TestLostLeaseCancelsTheTask(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	r := runner(t, d, "slow", 600*time.Millisecond)
	started, cancelled := make(chan struct{}), make(chan struct{})
	r.Every("long", time.Hour, func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		close(cancelled)
		return ctx.Err()
	})
	<-started
	if _, err := d.Exec(ctx, `UPDATE leases SET holder = 'thief' WHERE name = 'job:long'`); err != nil {
		t.Fatal(err)
	}
	select {
	case <-cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("the task went on without its lease")
	}
}

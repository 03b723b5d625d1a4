package workq_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/workq"
)

// newQueue is a queue with a short lease and poll, adjusted by the test's
// own options.
func newQueue(d *db.DB, adjust ...func(*workq.Options)) *workq.Queue {
	o := workq.Options{Lease: 300 * time.Millisecond, Poll: 20 * time.Millisecond}
	for _, f := range adjust {
		f(&o)
	}
	return workq.NewWith(d, clock.Real{}, slog.New(slog.DiscardHandler), o)
}

// longLease keeps every claim for a minute.
func longLease(o *workq.Options) { o.Lease = time.Minute }

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second) // a bound for a loaded machine, not a speed claim
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func rows(t *testing.T, d *db.DB) int {
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM work_jobs`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSubmitRunsAtOnceAndRemovesTheJob(t *testing.T) {
	d := dbtest.New(t)
	q := newQueue(d)
	got := make(chan string, 1)
	q.Handle("hello", func(ctx context.Context, j *workq.Job) error {
		var p struct{ Name string }
		if err := j.Decode(&p); err != nil {
			return err
		}
		got <- p.Name
		return nil
	})
	if _, err := q.Submit(context.Background(), "hello", 7, map[string]string{"Name": "mei"}); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-got:
		if n != "mei" {
			t.Fatalf("payload %q", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a submitted job did not run without a poller")
	}
	q.Wait()
	if n := rows(t, d); n != 0 {
		t.Fatalf("%d rows left after success", n)
	}
	if _, err := q.Submit(context.Background(), "unknown", 0, nil); err == nil {
		t.Fatal("a job nobody handles was accepted")
	}
}

// A node dies in the middle of a job that already spent two of its three
// attempts: another node takes it over after the lease and may spend only
// the one attempt left.
func TestDeadNodesJobIsTakenOverWithItsAttemptsCounted(t *testing.T) {
	d := dbtest.New(t)
	a, b := newQueue(d), newQueue(d)
	started := make(chan struct{})
	a.Handle("push", func(ctx context.Context, j *workq.Job) error {
		for range 2 {
			if _, ok, err := j.TakeAttempt(ctx, 3); err != nil || !ok {
				t.Errorf("node A's attempt: %v %v", ok, err)
			}
		}
		close(started)
		<-ctx.Done() // the node dies here
		return ctx.Err()
	})
	var attemptsOnB []int
	var mu sync.Mutex
	var runsOnB atomic.Int32
	b.Handle("push", func(ctx context.Context, j *workq.Job) error {
		runsOnB.Add(1)
		for {
			n, ok, err := j.TakeAttempt(ctx, 3)
			if err != nil {
				return err
			}
			if !ok {
				return nil
			}
			mu.Lock()
			attemptsOnB = append(attemptsOnB, n)
			mu.Unlock()
		}
	})
	if _, err := a.Submit(context.Background(), "push", 1, "msg"); err != nil {
		t.Fatal(err)
	}
	<-started
	a.Halt()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go b.Run(ctx)
	waitFor(t, "node B to finish the job", func() bool { return rows(t, d) == 0 })
	b.Wait()
	if runsOnB.Load() != 1 {
		t.Fatalf("node B ran the job %d times", runsOnB.Load())
	}
	if len(attemptsOnB) != 1 || attemptsOnB[0] != 3 {
		t.Fatalf("node B's attempts %v, want only attempt 3", attemptsOnB)
	}
}

// Three nodes poll one queue: every job runs exactly once.
func TestNodesClaimEachJobOnce(t *testing.T) {
	d := dbtest.New(t)
	const jobs = 300
	var ran sync.Map
	var dup atomic.Int32
	var total atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var qs []*workq.Queue
	for range 3 {
		q := newQueue(d, longLease) // no lease runs out here: every second run would be a claim race
		q.Handle("n", func(ctx context.Context, j *workq.Job) error {
			var n int
			_ = j.Decode(&n)
			if _, loaded := ran.LoadOrStore(n, true); loaded {
				dup.Add(1)
			}
			total.Add(1)
			return nil
		})
		qs = append(qs, q)
	}
	for i := range jobs {
		if _, err := qs[i%3].Enqueue(context.Background(), "n", 0, i); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range qs {
		go q.Run(ctx)
	}
	waitFor(t, "all jobs", func() bool { return total.Load() >= jobs && rows(t, d) == 0 })
	for _, q := range qs {
		q.Wait()
	}
	if dup.Load() != 0 || total.Load() != jobs {
		t.Fatalf("%d runs for %d jobs, %d twice", total.Load(), jobs, dup.Load())
	}
}

func TestFailingJobIsRetriedThenMarkedFailed(t *testing.T) {
	d := dbtest.New(t)
	q := newQueue(d, func(o *workq.Options) { o.MaxRuns = 2 })
	var runs atomic.Int32
	q.Handle("bad", func(ctx context.Context, j *workq.Job) error {
		runs.Add(1)
		return errors.New("the server is down")
	})
	if _, err := q.Submit(context.Background(), "bad", 0, nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go q.Run(ctx)
	waitFor(t, "the job to fail for good", func() bool {
		s, err := q.Stats(context.Background())
		return err == nil && s.Failed == 1
	})
	if runs.Load() != 2 {
		t.Fatalf("ran %d times, want 2", runs.Load())
	}
	var last string
	if err := d.QueryRow(context.Background(), `SELECT last_error FROM work_jobs`).Scan(&last); err != nil || last != "the server is down" {
		t.Fatalf("last_error %q %v", last, err)
	}
}

// A job submitted in a transaction exists only if the transaction commits,
// and starts once it has.
func TestSubmitTxFollowsItsTransaction(t *testing.T) {
	d := dbtest.New(t)
	q := newQueue(d)
	var ran atomic.Int32
	q.Handle("tx", func(ctx context.Context, j *workq.Job) error { ran.Add(1); return nil })
	ctx := context.Background()
	boom := errors.New("rolled back")
	err := d.Tx(ctx, func(tx *db.Tx) error {
		if _, err := q.SubmitTx(ctx, tx, "tx", 1, nil); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	q.Wait()
	if n := rows(t, d); n != 0 || ran.Load() != 0 {
		t.Fatalf("after a rollback: %d rows, %d runs", n, ran.Load())
	}
	err = d.Tx(ctx, func(tx *db.Tx) error {
		_, err := q.SubmitTx(ctx, tx, "tx", 1, nil)
		if err == nil && ran.Load() != 0 {
			t.Error("the job started before its transaction committed")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	q.Wait()
	if n := rows(t, d); n != 0 || ran.Load() != 1 {
		t.Fatalf("after the commit: %d rows, %d runs", n, ran.Load())
	}
}

// A step is done once: the run that marks it first wins, a later run (on a
// node that took the job over) sees it done, and a node that lost the job
// cannot mark it.
func TestMarkStepOncePerJob(t *testing.T) {
	d := dbtest.New(t)
	a, b := newQueue(d), newQueue(d)
	ctx := context.Background()
	mark := func(j *workq.Job, step int) bool {
		t.Helper()
		var ok bool
		if err := d.Tx(ctx, func(tx *db.Tx) (err error) { ok, err = j.MarkStep(ctx, tx, step); return err }); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	jobs := make(chan *workq.Job, 2)
	release := make(chan struct{})
	handler := func(ctx context.Context, j *workq.Job) error {
		jobs <- j
		<-release
		return ctx.Err()
	}
	a.Handle("s", handler)
	b.Handle("s", handler)
	if _, err := a.Submit(ctx, "s", 0, nil); err != nil {
		t.Fatal(err)
	}
	ja := <-jobs
	if !mark(ja, 1) || mark(ja, 1) || ja.Step != 1 {
		t.Fatalf("node A marks step 1: step %d", ja.Step)
	}
	a.Halt()                                               // node A dies; node B takes over after the lease
	time.Sleep(300*time.Millisecond + 50*time.Millisecond) // newQueue's lease
	if n, err := b.ClaimDue(ctx); err != nil || n != 1 {
		t.Fatalf("node B claimed %d: %v", n, err)
	}
	jb := <-jobs
	if jb.Step != 1 || mark(jb, 1) {
		t.Fatalf("node B sees step %d and may mark it again", jb.Step)
	}
	if mark(ja, 2) {
		t.Fatal("node A marked a step of a job it lost")
	}
	if !mark(jb, 2) {
		t.Fatal("node B could not mark step 2")
	}
	close(release)
	a.Wait()
	b.Wait()
}

// A node whose lease ran out while it was still running a job (its renewal
// came late) and whose own poller then claims the job does not run it a
// second time beside the first.
func TestOwnLateLeaseIsNotASecondRun(t *testing.T) {
	d := dbtest.New(t)
	q := newQueue(d, longLease)
	ctx := context.Background()
	var runs atomic.Int32
	expired := make(chan struct{})
	release := make(chan struct{})
	q.Handle("slow", func(ctx context.Context, j *workq.Job) error {
		if runs.Add(1) > 1 {
			return nil // a second run
		}
		// The lease runs out under the running job.
		if _, err := d.Exec(context.Background(), `UPDATE work_jobs SET lease_until = 1 WHERE id = ?`, j.ID); err != nil {
			t.Error(err)
		}
		close(expired)
		<-release
		return nil
	})
	if _, err := q.Submit(ctx, "slow", 0, nil); err != nil {
		t.Fatal(err)
	}
	<-expired
	if n, err := q.ClaimDue(ctx); err != nil || n != 1 {
		t.Fatalf("claimed %d: %v", n, err)
	}
	close(release)
	q.Wait()
	if runs.Load() != 1 || rows(t, d) != 0 {
		t.Fatalf("%d runs, %d rows left; want 1 run and the job done", runs.Load(), rows(t, d))
	}
}

// EnqueueTx: the job exists only if its transaction commits, and no node
// claims it before its time.
func TestEnqueueTxWaitsForCommitAndItsTime(t *testing.T) {
	d := dbtest.New(t)
	c := &clock.Offset{}
	q := workq.New(d, c, slog.New(slog.DiscardHandler))
	var ran atomic.Int32
	q.Handle("later", func(ctx context.Context, j *workq.Job) error { ran.Add(1); return nil })
	ctx := context.Background()
	rollback := errors.New("rolled back")
	if err := d.Tx(ctx, func(tx *db.Tx) error {
		if _, err := q.EnqueueTx(ctx, tx, "later", 1, nil, time.Time{}); err != nil {
			return err
		}
		return rollback
	}); !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	if n := rows(t, d); n != 0 {
		t.Fatalf("a rolled-back EnqueueTx left %d rows", n)
	}
	if err := d.Tx(ctx, func(tx *db.Tx) error {
		_, err := q.EnqueueTx(ctx, tx, "later", 1, nil, c.Now().Add(time.Minute))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := q.ClaimDue(ctx); err != nil || n != 0 {
		t.Fatalf("claimed %d (%v) before the job's time", n, err)
	}
	c.Advance(61 * time.Second)
	if n, err := q.ClaimDue(ctx); err != nil || n != 1 {
		t.Fatalf("claimed %d (%v) at the job's time, want 1", n, err)
	}
	q.Wait()
	if ran.Load() != 1 || rows(t, d) != 0 {
		t.Fatalf("ran %d times, %d rows left", ran.Load(), rows(t, d))
	}
}

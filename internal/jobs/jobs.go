// Package jobs runs Herald's periodic background work (expiring sessions and
// penalties, starting scheduled sends, rolling up analytics) in the server
// process. Each task runs on its own ticker; Stop waits for running tasks to
// finish, so a SIGTERM never cuts one off halfway.
//
// With leases (given to NewRunner by the app), every periodic task runs on
// exactly one node of the cluster at a time and once per interval across
// the cluster: before a run a node takes the task's lease ("job:<name>",
// in the database); while the task runs it renews the lease; when it ends
// it releases the lease with the time the next run is due, so no node
// runs it again before then. A node that dies holding a lease stops
// renewing it, and another node takes the task over once it expires. A
// node that fails to renew (it lost the lease) cancels the task's context.
package jobs

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/heraldoa/herald/internal/lease"
)

// Task is one unit of periodic work. It should be idempotent: it may run
// again after a crash.
type Task func(ctx context.Context) error

// LeaseTTL is how long a task's lease lasts without renewal: the time
// another node waits before taking over the task of a node that died.
const LeaseTTL = 30 * time.Second

// Runner runs tasks on intervals.
type Runner struct {
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// Leases (NewRunner's), when not nil, makes every Every task run on one
	// node at a time (see the package comment); nil runs every task on this
	// node.
	Leases   *lease.Store
	leaseTTL time.Duration
}

// Options tune a Runner; the zero value is production's.
type Options struct {
	// LeaseTTL replaces the package's LeaseTTL when positive (tests make
	// nodes take over sooner).
	LeaseTTL time.Duration
}

// NewRunner returns a runner whose tasks stop when Stop is called.
func NewRunner(log *slog.Logger, leases *lease.Store) *Runner {
	return NewRunnerWith(log, leases, Options{})
}

// NewRunnerWith is NewRunner with opts, fixed for the runner's life.
func NewRunnerWith(log *slog.Logger, leases *lease.Store, opts Options) *Runner {
	ctx, cancel := context.WithCancel(context.Background())
	return &Runner{log: log, Leases: leases, leaseTTL: opts.LeaseTTL, ctx: ctx, cancel: cancel}
}

// Every runs task now and then every interval until Stop. With leases the
// interval is the cluster's: the task runs on whichever node takes its
// lease first once it is due.
func (r *Runner) Every(name string, interval time.Duration, task Task) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		tick := interval
		if r.Leases != nil {
			// Look often enough to run soon after the task is due.
			tick = min(max(interval/4, 250*time.Millisecond), 15*time.Second)
		}
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			if r.Leases != nil {
				r.runLeased(name, interval, task)
			} else {
				r.run(name, task)
			}
			select {
			case <-r.ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// Go runs a long-lived worker (for example a send queue) until Stop. Workers
// run on every node; they must claim their work in the database.
func (r *Runner) Go(name string, worker func(ctx context.Context)) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		worker(r.ctx)
		r.log.Debug("worker stopped", slog.String("worker", name))
	}()
}

// taskContext is the context a run gets: not cancelled by Stop, so that
// work in progress finishes (Stop only prevents the next run).
func (r *Runner) taskContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(r.ctx), 10*time.Minute)
}

func (r *Runner) run(name string, task Task) {
	if r.ctx.Err() != nil {
		return
	}
	ctx, cancel := r.taskContext()
	defer cancel()
	start := time.Now()
	if err := task(ctx); err != nil {
		r.log.Error("background task failed", slog.String("task", name), slog.Any("error", err))
		return
	}
	r.log.Debug("background task done", slog.String("task", name), slog.Duration("duration", time.Since(start)))
}

func (r *Runner) ttl() time.Duration {
	if r.leaseTTL > 0 {
		return r.leaseTTL
	}
	return LeaseTTL
}

// runLeased runs task if this node can take its lease now.
func (r *Runner) runLeased(name string, interval time.Duration, task Task) {
	if r.ctx.Err() != nil {
		return
	}
	key := "job:" + name
	ttl := r.ttl()
	ok, startDB, err := r.Leases.Take(r.ctx, key, ttl)
	if err != nil {
		r.log.Warn("background task: lease", slog.String("task", name), slog.Any("error", err))
		return
	}
	if !ok {
		return // another node runs it, or it is not due yet
	}
	ctx, cancel := r.taskContext()
	defer cancel()
	renewed := make(chan struct{})
	go func() { // keep the lease while the task runs
		defer close(renewed)
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				held, err := r.Leases.Renew(context.WithoutCancel(ctx), key, ttl)
				if err != nil {
					r.log.Warn("background task: renew lease", slog.String("task", name), slog.Any("error", err))
					continue // try again; the lease lasts ttl
				}
				if !held {
					r.log.Error("background task: lease lost, cancelling", slog.String("task", name))
					cancel()
					return
				}
			}
		}
	}()
	start := time.Now()
	err = task(ctx)
	cancel()
	<-renewed
	if err != nil {
		r.log.Error("background task failed", slog.String("task", name), slog.Any("error", err))
	} else {
		r.log.Debug("background task done", slog.String("task", name), slog.Duration("duration", time.Since(start)))
	}
	// Due again one interval after this run started.
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(r.ctx), 10*time.Second)
	defer rcancel()
	if err := r.Leases.Release(rctx, key, startDB+interval.Microseconds()); err != nil {
		r.log.Warn("background task: release lease", slog.String("task", name), slog.Any("error", err))
	}
}

// Stop prevents new runs and waits for running tasks, up to ctx's deadline.
func (r *Runner) Stop(ctx context.Context) error {
	r.cancel()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

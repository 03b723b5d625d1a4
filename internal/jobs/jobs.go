// Package jobs runs Herald's periodic background work (expiring sessions and
// penalties, starting scheduled sends, rolling up analytics) in the server
// process. Each task runs on its own ticker; Stop waits for running tasks to
// finish, so a SIGTERM never cuts one off halfway.
package jobs

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Task is one unit of periodic work. It should be idempotent: it may run
// again after a crash.
type Task func(ctx context.Context) error

// Runner runs tasks on intervals.
type Runner struct {
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewRunner returns a runner whose tasks stop when Stop is called.
func NewRunner(log *slog.Logger) *Runner {
	ctx, cancel := context.WithCancel(context.Background())
	return &Runner{log: log, ctx: ctx, cancel: cancel}
}

// Every runs task now and then every interval until Stop.
func (r *Runner) Every(name string, interval time.Duration, task Task) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			r.run(name, task)
			select {
			case <-r.ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// Go runs a long-lived worker (for example a send queue) until Stop.
func (r *Runner) Go(name string, worker func(ctx context.Context)) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		worker(r.ctx)
		r.log.Debug("worker stopped", slog.String("worker", name))
	}()
}

func (r *Runner) run(name string, task Task) {
	if r.ctx.Err() != nil {
		return
	}
	// A task gets its own context that is not cancelled by Stop, so that work
	// in progress finishes; Stop only prevents the next run.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), 10*time.Minute)
	defer cancel()
	start := time.Now()
	if err := task(ctx); err != nil {
		r.log.Error("background task failed", slog.String("task", name), slog.Any("error", err))
		return
	}
	r.log.Debug("background task done", slog.String("task", name), slog.Duration("duration", time.Since(start)))
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

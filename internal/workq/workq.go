// Package workq is the durable work queue every node shares: outbound work
// that must survive a node's death (pushes to developer servers and the
// finish events of sends) is a row in work_jobs before anything is sent.
//
// A node claims a row with a lease (on PostgreSQL with SELECT ... FOR
// UPDATE SKIP LOCKED, so nodes never wait for each other; SQLite has one
// writer, so a plain UPDATE claims). While the handler runs the lease is
// renewed; when a node dies its lease runs out and another node claims the
// row again. Handlers must therefore be safe to run again: a push handler
// counts its HTTP attempts in the row (TakeAttempt), so however many nodes
// run it, the developer's server is called at most the budgeted number of
// times.
//
// Work created on a node is claimed by that node at insertion and started
// at once (Submit), so the queue adds one INSERT and one DELETE to the path
// and no polling delay; the poller only picks up work whose node died, and
// retries.
package workq

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

// Handler runs one job. Returning nil removes the job; an error schedules
// another run with backoff, up to MaxRuns.
type Handler func(ctx context.Context, j *Job) error

// Job is a claimed row.
type Job struct {
	ID        int64
	Kind      string
	AccountID int64
	Payload   []byte
	Runs      int // claims so far, this one included
	Attempts  int // outbound attempts taken so far (TakeAttempt)
	Step      int // the last step done (MarkStep), by any node
	q         *Queue
	done      chan struct{} // closed when this node's run ends (SubmitWait)
}

// MarkStep records in tx that step (1, 2, …) of this job is done, and
// reports whether this run is the one to do it: false when a run (on this
// node or one that died) already committed the step, or when this node no
// longer holds the job. Write the step's effect in the same tx and only
// when MarkStep says true, and the effect happens once however often the
// job is taken over.
func (j *Job) MarkStep(ctx context.Context, tx *db.Tx, step int) (_ bool, err error) {
	defer errs.Wrap(&err, "workq.Job.MarkStep(%d, %d)", j.ID, step)
	res, err := tx.Exec(ctx, `UPDATE work_jobs SET step = ?, updated_at = ?
		WHERE id = ? AND lease_owner = ? AND state = 'running' AND step < ?`,
		step, db.Micro(j.q.clock.Now()), j.ID, j.q.owner, step)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	if n == 1 {
		tx.AfterCommit(func() { j.Step = step })
	}
	return n == 1, nil
}

// Decode unmarshals the payload.
func (j *Job) Decode(v any) error { return json.Unmarshal(j.Payload, v) }

// TakeAttempt reserves one outbound attempt of at most max for this job,
// across every node that ever ran it, and returns its number (1..max). It
// returns false when the budget is spent, or when this node lost the lease.
// The count is committed before the caller sends, so a node that dies in
// the middle of a request has used that attempt.
func (j *Job) TakeAttempt(ctx context.Context, max int) (_ int, _ bool, err error) {
	defer errs.Wrap(&err, "workq.Job.TakeAttempt(%d)", j.ID)
	var n int
	err = j.q.db.WriterQueryRow(context.WithoutCancel(ctx), `UPDATE work_jobs SET attempts = attempts + 1, updated_at = ?
		WHERE id = ? AND lease_owner = ? AND state = 'running' AND attempts < ? RETURNING attempts`,
		db.Micro(j.q.clock.Now()), j.ID, j.q.owner, max).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	j.Attempts = n
	return n, true, nil
}

type ctxKey struct{}

// FromContext returns the job a handler's context runs, or nil.
func FromContext(ctx context.Context) *Job {
	j, _ := ctx.Value(ctxKey{}).(*Job)
	return j
}

// Defaults. The lease is short because the queue carries pushes to
// developer servers, which WeChat retries within about 15 s (three 5 s
// timeouts): a node that dies mid-push has its work taken over after at
// most DefaultLease plus DefaultPoll (6 s), leaving the survivor time for
// the remaining attempts. The lease is renewed every 3/10 of it (1.5 s), so
// a healthy node's lease always has at least 3.5 s left: renewals may be
// that late, or the nodes' clocks that far apart, before another node
// takes a live job (and even then TakeAttempt and MarkStep keep the
// attempt budget and the stored reply exact).
const (
	DefaultLease   = 5 * time.Second
	DefaultPoll    = time.Second
	DefaultMaxRuns = 8
	DefaultWorkers = 64
)

// Queue claims and runs jobs on one node.
type Queue struct {
	db    *db.DB
	clock clock.Clock
	log   *slog.Logger
	owner string
	opts  Options

	handlers map[string]Handler
	once     sync.Once
	sem      chan struct{}
	base     context.Context
	halt     context.CancelFunc
	wg       sync.WaitGroup
	busy     atomic.Int32 // claimed and not finished
	running  sync.Map     // job id → true while this node runs it
	wake     chan struct{}
}

// Options tune a Queue; zero values are the defaults.
type Options struct {
	// Lease is how long a claim holds without renewal; a dead node's work
	// is taken over after it (DefaultLease). Poll is how often due work is
	// looked for (DefaultPoll).
	Lease, Poll time.Duration
	// MaxRuns bounds how often a job is claimed before it is marked failed
	// (DefaultMaxRuns).
	MaxRuns int
	// Workers bounds the jobs this node runs at once (DefaultWorkers).
	Workers int
	// BeforeFinish, when set, runs after a handler returned and before its
	// job is deleted or rescheduled (tests Halt the node there, as if it
	// died between the work and its bookkeeping).
	BeforeFinish func(q *Queue, j *Job)
}

// New returns a queue for this node with the default options. Register
// handlers before Submit or Run.
func New(d *db.DB, c clock.Clock, log *slog.Logger) *Queue { return NewWith(d, c, log, Options{}) }

// NewWith is New with options.
func NewWith(d *db.DB, c clock.Clock, log *slog.Logger, o Options) *Queue {
	var b [6]byte
	_, _ = rand.Read(b[:])
	base, halt := context.WithCancel(context.Background())
	return &Queue{db: d, clock: c, log: log, owner: "q" + hex.EncodeToString(b[:]), opts: o, handlers: map[string]Handler{},
		base: base, halt: halt, wake: make(chan struct{}, 1)}
}

// Owner is this node's lease owner name.
func (q *Queue) Owner() string { return q.owner }

// Handle registers the handler for kind.
func (q *Queue) Handle(kind string, h Handler) { q.handlers[kind] = h }

func (q *Queue) lease() time.Duration {
	if q.opts.Lease > 0 {
		return q.opts.Lease
	}
	return DefaultLease
}

func (q *Queue) init() {
	q.once.Do(func() {
		n := q.opts.Workers
		if n <= 0 {
			n = DefaultWorkers
		}
		q.sem = make(chan struct{}, n)
	})
}

// Enqueue stores a job for any node to run (the poller picks it up).
func (q *Queue) Enqueue(ctx context.Context, kind string, accountID int64, payload any) (_ int64, err error) {
	defer errs.Wrap(&err, "workq.Queue.Enqueue(%q, %d)", kind, accountID)
	return q.insert(ctx, kind, accountID, payload, false)
}

// Submit stores a job claimed by this node and starts it at once. Once
// Submit returns, the work survives this node: if the node dies, another
// one runs the job after the lease.
func (q *Queue) Submit(ctx context.Context, kind string, accountID int64, payload any) (_ int64, err error) {
	defer errs.Wrap(&err, "workq.Queue.Submit(%q, %d)", kind, accountID)
	jid, err := q.insert(ctx, kind, accountID, payload, true)
	if err != nil {
		return 0, err
	}
	raw, _ := json.Marshal(payload)
	q.start(&Job{ID: jid, Kind: kind, AccountID: accountID, Payload: raw, Runs: 1, q: q})
	return jid, nil
}

// SubmitWait is Submit, and also returns a channel that is closed when
// this node's run of the job has ended (its handler returned, before the
// job's row is deleted or rescheduled; or this node halted first). A caller that waits on it for a while and then stops
// waiting leaves the job running: the work survives the caller and, once
// SubmitWait returns, this node.
func (q *Queue) SubmitWait(ctx context.Context, kind string, accountID int64, payload any) (_ int64, _ <-chan struct{}, err error) {
	defer errs.Wrap(&err, "workq.Queue.SubmitWait(%q, %d)", kind, accountID)
	jid, err := q.insert(ctx, kind, accountID, payload, true)
	if err != nil {
		return 0, nil, err
	}
	raw, _ := json.Marshal(payload)
	done := make(chan struct{})
	q.start(&Job{ID: jid, Kind: kind, AccountID: accountID, Payload: raw, Runs: 1, q: q, done: done})
	return jid, done, nil
}

// SubmitTx stores a job claimed by this node in tx, and starts it once tx
// commits: the job exists exactly when the rest of tx does (a rollback
// leaves no job; a node that dies after the commit leaves it to another
// node after the lease).
func (q *Queue) SubmitTx(ctx context.Context, tx *db.Tx, kind string, accountID int64, payload any) (_ int64, err error) {
	defer errs.Wrap(&err, "workq.Queue.SubmitTx(%q, %d)", kind, accountID)
	raw, err := json.Marshal(payload)
	if err != nil {
		return 0, err
	}
	jid, err := q.insertOn(ctx, tx, kind, accountID, raw, true, time.Time{})
	if err != nil {
		return 0, err
	}
	tx.AfterCommit(func() { q.start(&Job{ID: jid, Kind: kind, AccountID: accountID, Payload: raw, Runs: 1, q: q}) })
	return jid, nil
}

func (q *Queue) insert(ctx context.Context, kind string, accountID int64, payload any, claimed bool) (int64, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return 0, err
	}
	jid, err := q.insertOn(context.WithoutCancel(ctx), q.db, kind, accountID, raw, claimed, time.Time{})
	if err != nil {
		return 0, err
	}
	if !claimed {
		q.Wake()
	}
	return jid, nil
}

type execer interface {
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// EnqueueTx stores a job in tx for any node to run once tx commits, not
// before at (the zero time: at once). Work that must exist exactly when
// the rest of tx does, but need not run on this node, is queued this way.
func (q *Queue) EnqueueTx(ctx context.Context, tx *db.Tx, kind string, accountID int64, payload any, at time.Time) (_ int64, err error) {
	defer errs.Wrap(&err, "workq.Queue.EnqueueTx(%q, %d)", kind, accountID)
	raw, err := json.Marshal(payload)
	if err != nil {
		return 0, err
	}
	jid, err := q.insertOn(ctx, tx, kind, accountID, raw, false, at)
	if err != nil {
		return 0, err
	}
	tx.AfterCommit(q.Wake)
	return jid, nil
}

func (q *Queue) insertOn(ctx context.Context, x execer, kind string, accountID int64, raw []byte, claimed bool, at time.Time) (int64, error) {
	if q.handlers[kind] == nil {
		return 0, fmt.Errorf("workq: no handler for %q", kind)
	}
	now := q.clock.Now()
	runAt := now
	if at.After(now) {
		runAt = at
	}
	jid := id.New()
	state, owner, until, runs := "pending", "", int64(0), 0
	if claimed {
		state, owner, until, runs = "running", q.owner, db.Micro(now.Add(q.lease())), 1
	}
	_, err := x.Exec(ctx, `INSERT INTO work_jobs (id, kind, account_id, payload, state, runs, attempts, run_at, lease_owner, lease_until, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)`, jid, kind, accountID, string(raw), state, runs, db.Micro(runAt), owner, until, db.Micro(now), db.Micro(now))
	if err != nil {
		return 0, fmt.Errorf("workq: enqueue %s: %w", kind, err)
	}
	return jid, nil
}

// Wake makes the poller look for due work now.
func (q *Queue) Wake() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Run claims due work until ctx ends: jobs enqueued for any node, retries,
// and jobs whose node died.
func (q *Queue) Run(ctx context.Context) {
	q.init()
	poll := q.opts.Poll
	if poll <= 0 {
		poll = DefaultPoll
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		for {
			n, err := q.ClaimDue(ctx)
			if err != nil && ctx.Err() == nil && q.log != nil {
				q.log.Error("work queue: claim", slog.Any("error", err))
			}
			if n == 0 || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-q.base.Done():
			return
		case <-t.C:
		case <-q.wake:
		}
	}
}

// ClaimDue claims as many due jobs as there are free workers and starts
// them; it returns how many it started.
func (q *Queue) ClaimDue(ctx context.Context) (_ int, err error) {
	defer errs.Wrap(&err, "workq.Queue.ClaimDue()")
	q.init()
	free := cap(q.sem) - int(q.busy.Load())
	if free <= 0 {
		return 0, nil
	}
	free = min(free, 100)
	now := q.clock.Now()
	var jobs []*Job
	// On PostgreSQL "= ANY(ARRAY(subquery))" runs the locking subquery once;
	// a plain IN may be planned as a join that claims more than LIMIT.
	in, end := "id IN (", ")"
	if q.db.Dialect() == db.Postgres {
		in, end = "id = ANY(ARRAY(", "))"
	}
	err = q.db.Tx(ctx, func(tx *db.Tx) error {
		jobs = nil
		rows, err := tx.Query(ctx, `UPDATE work_jobs SET state = 'running', lease_owner = ?, lease_until = ?, runs = runs + 1, updated_at = ?
			WHERE `+in+`SELECT id FROM work_jobs
				WHERE (state = 'pending' AND run_at <= ?) OR (state = 'running' AND lease_until < ?)
				ORDER BY run_at LIMIT ?`+tx.Dialect().ForUpdateSkipLocked()+end+`
			RETURNING id, kind, account_id, payload, runs, attempts, step`,
			q.owner, db.Micro(now.Add(q.lease())), db.Micro(now), db.Micro(now), db.Micro(now), free)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			j := &Job{q: q}
			var payload string
			if err := rows.Scan(&j.ID, &j.Kind, &j.AccountID, &payload, &j.Runs, &j.Attempts, &j.Step); err != nil {
				return err
			}
			j.Payload = []byte(payload)
			jobs = append(jobs, j)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, err
	}
	for _, j := range jobs {
		q.start(j)
	}
	return len(jobs), nil
}

func (q *Queue) start(j *Job) {
	q.init()
	if _, running := q.running.LoadOrStore(j.ID, true); running {
		// This node's lease ran out while it was still running the job
		// (a renewal came late) and its own poller claimed it again: the
		// run under way goes on, and the claim has renewed its lease.
		return
	}
	q.wg.Add(1)
	q.busy.Add(1)
	go func() {
		defer func() {
			if j.done != nil { // run did not get to close it
				close(j.done)
			}
		}()
		defer q.wg.Done()
		defer q.busy.Add(-1)
		defer q.running.Delete(j.ID)
		select {
		case q.sem <- struct{}{}:
		case <-q.base.Done():
			return
		}
		defer func() { <-q.sem }()
		q.run(j)
	}()
}

func (q *Queue) run(j *Job) {
	ctx, cancel := context.WithCancel(context.WithValue(q.base, ctxKey{}, j))
	defer cancel()
	// Renew the lease while the handler runs.
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		t := time.NewTicker(q.lease() * 3 / 10)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				res, err := q.db.Exec(ctx, `UPDATE work_jobs SET lease_until = ? WHERE id = ? AND lease_owner = ? AND state = 'running'`,
					db.Micro(q.clock.Now().Add(q.lease())), j.ID, q.owner)
				if err == nil {
					if n, _ := res.RowsAffected(); n == 0 {
						cancel() // another node has it now
						return
					}
				}
			}
		}
	}()
	h := q.handlers[j.Kind]
	var err error
	if h == nil {
		err = fmt.Errorf("no handler for %q on this node", j.Kind)
	} else {
		err = safeRun(ctx, h, j)
	}
	if j.done != nil {
		// The work is done (or failed): a waiter need not wait for the
		// bookkeeping below.
		close(j.done)
		j.done = nil
	}
	cancel()
	<-renewed
	if q.opts.BeforeFinish != nil {
		q.opts.BeforeFinish(q, j)
	}
	if q.base.Err() != nil {
		return // halted: the lease runs out and another node takes over
	}
	fctx := context.Background()
	if err == nil {
		if _, derr := q.db.Exec(fctx, `DELETE FROM work_jobs WHERE id = ? AND lease_owner = ?`, j.ID, q.owner); derr != nil && q.log != nil {
			q.log.Error("work queue: finish", slog.String("kind", j.Kind), slog.Int64("job", j.ID), slog.Any("error", derr))
		}
		return
	}
	max := q.opts.MaxRuns
	if max <= 0 {
		max = DefaultMaxRuns
	}
	now := q.clock.Now()
	state := "pending"
	if j.Runs >= max {
		state = "failed"
	}
	msg := err.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	if q.log != nil {
		q.log.Warn("work queue: job failed", slog.String("kind", j.Kind), slog.Int64("job", j.ID), slog.Int("runs", j.Runs), slog.String("state", state), slog.Any("error", err))
	}
	backoff := time.Duration(1<<min(j.Runs, 10)) * time.Second
	_, _ = q.db.Exec(fctx, `UPDATE work_jobs SET state = ?, run_at = ?, lease_owner = '', lease_until = 0, last_error = ?, updated_at = ?
		WHERE id = ? AND lease_owner = ?`, state, db.Micro(now.Add(backoff)), msg, db.Micro(now), j.ID, q.owner)
}

func safeRun(ctx context.Context, h Handler, j *Job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return h(ctx, j)
}

// Wait waits for the jobs this node runs (graceful shutdown, tests).
func (q *Queue) Wait() { q.wg.Wait() }

// Halt stops this node's work at once, as if the process died: running
// handlers see their context cancelled, nothing more is claimed, and their
// leases are left to run out so another node takes the work over.
func (q *Queue) Halt() { q.halt() }

// Stats are counts of queued work (for metrics and the status page).
type Stats struct{ Pending, Running, Failed int }

// Stats counts the rows by state.
func (q *Queue) Stats(ctx context.Context) (_ Stats, err error) {
	defer errs.Wrap(&err, "workq.Queue.Stats()")
	var s Stats
	rows, err := q.db.Query(ctx, `SELECT state, COUNT(*) FROM work_jobs GROUP BY state`)
	if err != nil {
		return s, err
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return s, err
		}
		switch st {
		case "pending":
			s.Pending = n
		case "running":
			s.Running = n
		case "failed":
			s.Failed = n
		}
	}
	return s, rows.Err()
}

// DeleteFailedBefore drops failed jobs last touched before t.
func (q *Queue) DeleteFailedBefore(ctx context.Context, t time.Time) (_ int64, err error) {
	defer errs.Wrap(&err, "workq.Queue.DeleteFailedBefore()")
	res, err := q.db.Exec(ctx, `DELETE FROM work_jobs WHERE state = 'failed' AND updated_at < ?`, db.Micro(t))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

package publish

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// Engine runs publish and mass-send jobs: scheduled ones when they are
// due, queued ones at once, and running ones whose worker died (their lease
// ran out). A mass send is delivered in batches of recipients taken in
// person_id order; each batch is one transaction that writes the
// deliveries with one server-side INSERT … SELECT, adds the counts and moves
// the job's cursor, so a crash loses at most an uncommitted batch and the
// job resumes with nobody receiving it twice or not at all.
type Engine struct {
	Store *Store
	Log   *slog.Logger

	opts     EngineOptions
	owner    string
	starting []func(ctx context.Context, j *Job) error
	finished []func(ctx context.Context, j *Job)
	ending   []func(ctx context.Context, tx *db.Tx, j *Job) error
	wake     chan struct{}
}

// EngineOptions tune an Engine and give tests their hooks; the zero value
// is production's.
type EngineOptions struct {
	BatchSize int           // recipients per batch (default 50,000)
	Lanes     int           // lanes of a mass send run side by side (default: 1, and 2 on PostgreSQL for per-recipient chat messages)
	Lease     time.Duration // how long a claim lasts without progress (default 2 min)
	// BatchHook, when set, runs inside each batch's transaction just before
	// it commits (tests use it to simulate a crash halfway).
	BatchHook func(ctx context.Context, j *Job, batch int) error
	// Ended, when set, runs as soon as the transaction that ends a job
	// (done or failed) commits, before anything else this node does for
	// the job (the content check, OnFinish hooks): tests stop a node there
	// to show that what must follow a job's end was stored with it.
	Ended func(ctx context.Context, j *Job)
}

// NewEngine returns an engine for s with the default options.
func NewEngine(s *Store, log *slog.Logger) *Engine {
	return NewEngineWith(s, log, EngineOptions{})
}

// JobHooks are what another part of Herald does at a job's start and end;
// any of them may be nil. Start and EndTx are as OnStart and OnFinishTx,
// End as OnFinish.
type JobHooks struct {
	Start func(ctx context.Context, j *Job) error
	EndTx func(ctx context.Context, tx *db.Tx, j *Job) error
	End   func(ctx context.Context, j *Job)
}

// NewEngineWith returns an engine for s with opts, fixed for its life, and
// the hooks of the parts that need no engine of their own, in the order
// they run.
func NewEngineWith(s *Store, log *slog.Logger, opts EngineOptions, hooks ...JobHooks) *Engine {
	e := &Engine{Store: s, Log: log, opts: opts, owner: "w" + randKey()[:12], wake: make(chan struct{}, 1)}
	for _, h := range hooks {
		if h.Start != nil {
			e.OnStart(h.Start)
		}
		if h.EndTx != nil {
			e.OnFinishTx(h.EndTx)
		}
		if h.End != nil {
			e.OnFinish(h.End)
		}
	}
	return e
}

// Owner is the name this engine writes into publish_jobs.lease_owner for
// the jobs it runs (operators and multi-node tests tell nodes apart by it).
func (e *Engine) Owner() string { return e.owner }

func (e *Engine) batchSize() int {
	if e.opts.BatchSize <= 0 {
		return 50_000
	}
	return e.opts.BatchSize
}

func (e *Engine) lease() time.Duration {
	if e.opts.Lease <= 0 {
		return 2 * time.Minute
	}
	return e.opts.Lease
}

// OnFinish adds fn to what runs when this engine ends a job (done or
// failed), after the job's final state is committed: the developer API
// pushes PUBLISHJOBFINISH from here. Add hooks before the worker starts.
func (e *Engine) OnFinish(fn func(ctx context.Context, j *Job)) {
	e.finished = append(e.finished, fn)
}

// OnStart adds fn to what runs each time this engine starts or resumes a
// job, before its first step: a hook may prepare the job (its publication,
// its recipients), and must do it once however often it is called. An
// error fails the job. Add hooks before the worker starts.
func (e *Engine) OnStart(fn func(ctx context.Context, j *Job) error) {
	e.starting = append(e.starting, fn)
}

// OnFinishTx adds fn to what runs inside the transaction that ends a job
// (done or failed), after the job's row says so: work that must exist
// exactly when the job's end does (a finish event to push) is stored
// there. An error rolls the end back. Add hooks before the worker starts.
func (e *Engine) OnFinishTx(fn func(ctx context.Context, tx *db.Tx, j *Job) error) {
	e.ending = append(e.ending, fn)
}

// ended runs the OnFinishTx hooks, and has the Ended option run once tx
// commits.
func (e *Engine) ended(ctx context.Context, tx *db.Tx, j *Job) error {
	if e.opts.Ended != nil {
		tx.AfterCommit(func() { e.opts.Ended(ctx, j) })
	}
	for _, fn := range e.ending {
		if err := fn(ctx, tx, j); err != nil {
			return err
		}
	}
	return nil
}

// Wake makes the worker look for due jobs now.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Worker runs due jobs until ctx ends, looking every interval and whenever
// Wake is called. Run it with jobs.Runner.Go.
func (e *Engine) Worker(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := e.RunDue(ctx); err != nil && ctx.Err() == nil {
			e.Log.Error("publishing jobs", slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-e.wake:
		}
	}
}

// RunDue runs every job that is due now, one after the other, and returns
// how many it ran.
func (e *Engine) RunDue(ctx context.Context) (_ int, err error) {
	defer errs.Wrap(&err, "publish.Engine.RunDue()")
	n := 0
	for ctx.Err() == nil {
		jobID, err := e.claimNext(ctx)
		if err != nil || jobID == 0 {
			return n, err
		}
		n++
		if _, err := e.process(ctx, jobID); err != nil && ctx.Err() == nil {
			e.Log.Error("publishing job failed", slog.Int64("job_id", jobID), slog.Any("error", err))
		}
	}
	return n, ctx.Err()
}

const dueWhere = `((state IN ('scheduled', 'queued') AND run_at <= ?) OR (state = 'running' AND lease_until < ?))`

func (e *Engine) claimNext(ctx context.Context) (int64, error) {
	s := e.Store
	for range 5 {
		now := db.Micro(s.clock.Now())
		var jobID int64
		err := db.Get(s.db.QueryRow(ctx, `SELECT id FROM publish_jobs WHERE `+dueWhere+` ORDER BY run_at LIMIT 1`, now, now), &jobID)
		if errors.Is(err, errs.NotFound) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		res, err := s.db.Exec(ctx, `UPDATE publish_jobs SET state = 'running', lease_owner = ?, lease_until = ?,
			started_at = CASE WHEN started_at = 0 THEN ? ELSE started_at END WHERE id = ? AND `+dueWhere,
			e.owner, now+e.lease().Microseconds(), now, jobID, now, now)
		if err != nil {
			return 0, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return jobID, nil
		}
		// Another worker took it: look again.
	}
	return 0, nil
}

// Run runs one job to completion now, whatever its schedule, taking it
// over from a worker that may have died; it returns the finished job. Tests
// and the emulator use it; a finished job is returned unchanged.
func (e *Engine) Run(ctx context.Context, jobID int64) (_ *Job, err error) {
	defer errs.Wrap(&err, "publish.Engine.Run(%d)", jobID)
	s := e.Store
	now := db.Micro(s.clock.Now())
	if _, err := s.db.Exec(ctx, `UPDATE publish_jobs SET state = 'running', lease_owner = ?, lease_until = ?,
		started_at = CASE WHEN started_at = 0 THEN ? ELSE started_at END WHERE id = ? AND state IN ('scheduled', 'queued', 'running')`,
		e.owner, now+e.lease().Microseconds(), now, jobID); err != nil {
		return nil, err
	}
	return e.process(ctx, jobID)
}

var errLostLease = errors.New("publish: another worker owns this job now")

// process runs a claimed job.
func (e *Engine) process(ctx context.Context, jobID int64) (*Job, error) {
	s := e.Store
	j, err := s.loadJob(ctx, s.db, jobID)
	if err != nil {
		return nil, err
	}
	if j.Finished() {
		return j, nil
	}
	err = e.execute(ctx, j)
	switch {
	case err == nil:
	case errors.Is(err, errLostLease):
		e.Log.Info("publishing job taken over by another worker", slog.Int64("job_id", jobID))
		return s.loadJob(ctx, s.db, jobID) // the other worker reports its end
	case ctx.Err() != nil:
		// Shutting down: give the lease back so that the next start resumes
		// the job from its last committed batch at once. (A killed process
		// cannot; its lease runs out instead.)
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_, _ = s.db.Exec(rctx, `UPDATE publish_jobs SET lease_until = 0 WHERE id = ? AND lease_owner = ? AND state = 'running'`, jobID, e.owner)
		return nil, err
	default:
		msg := errs.Message(err)
		if errs.KindOf(err) == errs.KindInternal {
			e.Log.Error("publishing job failed", slog.Int64("job_id", jobID), slog.Any("error", err))
		}
		if ferr := e.fail(ctx, j, msg); ferr != nil {
			return nil, errors.Join(err, ferr)
		}
	}
	j, err = s.loadJob(ctx, s.db, jobID)
	if err == nil && j.Finished() {
		for _, fn := range e.finished {
			fn(ctx, j)
		}
	}
	return j, err
}

// fail ends a job with a reason. Nothing delivered: the publication is a
// draft again (unless it was published) and the quota is given back.
func (e *Engine) fail(ctx context.Context, j *Job, reason string) error {
	s := e.Store
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE publish_jobs SET state = 'failed', error = ?, finished_at = ?, lease_owner = '' WHERE id = ? AND lease_owner = ?`,
			reason, db.Micro(s.clock.Now()), j.ID, e.owner)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		j.State, j.Error = JobFailed, reason
		if err := e.ended(ctx, tx, j); err != nil {
			return err
		}
		if j.SentCount == 0 {
			if _, err := tx.Exec(ctx, `UPDATE publications SET state = 'draft' WHERE id = ? AND state = 'scheduled'`, j.PublicationID); err != nil {
				return err
			}
			return refundQuota(ctx, tx, j.AccountID, j.QuotaMonth)
		}
		return nil
	})
}

func (e *Engine) execute(ctx context.Context, j *Job) error {
	s := e.Store
	a, err := s.account(ctx, s.db, j.AccountID)
	if err != nil {
		return err
	}
	if err := s.checkAccount(ctx, a, j.Mode); err != nil {
		return err
	}
	if len(e.starting) > 0 {
		for _, fn := range e.starting {
			if err := fn(ctx, j); err != nil {
				return err
			}
		}
		fresh, err := s.loadJob(ctx, s.db, j.ID) // as the hooks left it
		if err != nil {
			return err
		}
		*j = *fresh
	}
	if j.PublicationID == 0 {
		// A plain chat message (the API's text, voice, image and video
		// sends): nothing to publish, one message per recipient.
		if j.Message == nil || len(j.Message.Parts) == 0 {
			return errs.Invalidf("The send has no message.")
		}
		if err := s.db.Tx(ctx, func(tx *db.Tx) error { return setExpected(ctx, tx, a, j) }); err != nil {
			return err
		}
		return e.deliver(ctx, a, j, 0)
	}
	// Step 1 (idempotent): the publication is published.
	now := s.clock.Now()
	var publishedAt int64
	var firstPublish bool
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		firstPublish = false
		var state string
		if err := db.Get(tx.QueryRow(ctx, `SELECT state, published_at FROM publications WHERE id = ?`, j.PublicationID), &state, &publishedAt); err != nil {
			return err
		}
		if state == StateDeleted {
			return errs.Conflictf("The publication was deleted.")
		}
		if publishedAt == 0 {
			publishedAt = db.Micro(now)
			firstPublish = true
		}
		if _, err := tx.Exec(ctx, `UPDATE publications SET state = 'published', published_at = ?, mass_sent = ?, updated_at = ? WHERE id = ?`,
			publishedAt, j.Mode == ModeMass, db.Micro(now), j.PublicationID); err != nil {
			return err
		}
		if err := s.markPublished(ctx, tx, j.PublicationID, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET last_published_at = ? WHERE id = ? AND last_published_at < ?`, publishedAt, a.ID, publishedAt); err != nil {
			return err
		}
		if j.Mode == ModePublish {
			return e.finish(ctx, tx, j)
		}
		return setExpected(ctx, tx, a, j)
	})
	if err != nil {
		return err
	}
	if firstPublish {
		e.flagContent(ctx, j)
	}
	if j.Mode == ModePublish {
		return nil
	}
	if !a.IsService() && j.Target == TargetAll {
		return e.folderAll(ctx, j, publishedAt)
	}
	return e.deliver(ctx, a, j, publishedAt)
}

// flagContent hands the newly published articles to the platform's keyword
// check (which may open a review; it never blocks publishing).
func (e *Engine) flagContent(ctx context.Context, j *Job) {
	s := e.Store
	if s.deps.FlagContent == nil {
		return
	}
	rows, err := s.db.Query(ctx, `SELECT id, title, body_html FROM articles WHERE publication_id = ? ORDER BY idx`, j.PublicationID)
	type art struct {
		id          int64
		title, body string
	}
	list, err := db.Collect(rows, err, func(r *sql.Rows) (art, error) {
		var a art
		return a, r.Scan(&a.id, &a.title, &a.body)
	})
	if err != nil {
		e.Log.Error("flag content", slog.Int64("job_id", j.ID), slog.Any("error", err))
		return
	}
	for _, a := range list {
		if _, err := s.deps.FlagContent(ctx, j.AccountID, a.id, a.title, plainText(a.body)); err != nil {
			e.Log.Error("flag content", slog.Int64("article_id", a.id), slog.Any("error", err))
		}
	}
}

// setExpected records, on the first run, how many recipients the job
// expects (for the progress bar).
func setExpected(ctx context.Context, tx *db.Tx, a *account.Account, j *Job) error {
	if j.Expected != 0 {
		return nil
	}
	switch j.Target {
	case TargetTag:
		if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*) FROM tag_members WHERE account_id = ? AND tag_id = ?`, a.ID, j.TagID), &j.Expected); err != nil {
			return err
		}
	case TargetOpenIDs:
		if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*) FROM mass_recipients WHERE job_id = ?`, j.ID), &j.Expected); err != nil {
			return err
		}
	default:
		j.Expected = a.FollowerCount
	}
	_, err := tx.Exec(ctx, `UPDATE publish_jobs SET expected = ? WHERE id = ?`, j.Expected, j.ID)
	return err
}

func (e *Engine) finish(ctx context.Context, tx *db.Tx, j *Job) error {
	res, err := tx.Exec(ctx, `UPDATE publish_jobs SET state = 'done', finished_at = ?, lease_owner = '' WHERE id = ? AND lease_owner = ? AND state = 'running'`,
		db.Micro(e.Store.clock.Now()), j.ID, e.owner)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errLostLease
	}
	j.State = JobDone
	return e.ended(ctx, tx, j)
}

// folderAll sends a Subscription account's publication to all followers:
// it enters their folders by fan-out on read (publications.folder_at), so
// the work is the same for 10 or 10 million followers; the counts are exact
// as of the send.
func (e *Engine) folderAll(ctx context.Context, j *Job, publishedAt int64) error {
	s := e.Store
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var total, eligible int64
		if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN blocked THEN 0 ELSE 1 END), 0) FROM follows
			WHERE account_id = ? AND following = TRUE`, j.AccountID), &total, &eligible); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE publications SET folder_at = ? WHERE id = ?`, publishedAt, j.PublicationID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE publish_jobs SET total_count = ?, filter_count = ?, sent_count = ?, batches = 1 WHERE id = ?`,
			total, eligible, eligible, j.ID); err != nil {
			return err
		}
		j.TotalCount, j.FilterCount, j.SentCount = total, eligible, eligible
		return e.finish(ctx, tx, j)
	})
	if err == nil {
		e.progress(j)
	}
	return err
}

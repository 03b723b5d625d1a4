package publish

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/realtime"
)

// Engine runs publish and mass-send jobs: scheduled ones when they are
// due, queued ones at once, and running ones whose worker died (their lease
// ran out). A mass send is delivered in batches of recipients taken in
// person_id order; each batch is one transaction that writes the
// deliveries with one server-side INSERT … SELECT, adds the counts and moves
// the job's cursor, so a crash loses at most an uncommitted batch and the
// job resumes with nobody receiving it twice or not at all.
type Engine struct {
	Store     *Store
	Log       *slog.Logger
	BatchSize int           // recipients per batch (default 50,000)
	Lanes     int           // lanes of a mass send run side by side (default: 2 on PostgreSQL, 1 on SQLite)
	Lease     time.Duration // how long a claim lasts without progress (default 2 min)
	// BatchHook, when set, runs inside each batch's transaction just before
	// it commits (tests use it to simulate a crash halfway).
	BatchHook func(ctx context.Context, j *Job, batch int) error

	owner    string
	finished []func(ctx context.Context, j *Job)
	ending   []func(ctx context.Context, tx *db.Tx, j *Job) error
	wake     chan struct{}
}

// NewEngine returns an engine for s.
func NewEngine(s *Store, log *slog.Logger) *Engine {
	return &Engine{Store: s, Log: log, owner: "w" + randKey()[:12], wake: make(chan struct{}, 1)}
}

func (e *Engine) batchSize() int {
	if e.BatchSize <= 0 {
		return 50_000
	}
	return e.BatchSize
}

func (e *Engine) lease() time.Duration {
	if e.Lease <= 0 {
		return 2 * time.Minute
	}
	return e.Lease
}

// OnFinish adds fn to what runs when this engine ends a job (done or
// failed), after the job's final state is committed: the developer API
// pushes PUBLISHJOBFINISH from here. Add hooks before the worker starts.
func (e *Engine) OnFinish(fn func(ctx context.Context, j *Job)) {
	e.finished = append(e.finished, fn)
}

// OnFinishTx adds fn to what runs inside the transaction that ends a job
// (done or failed), after the job's row says so: work that must exist
// exactly when the job's end does (a finish event to push) is stored
// there. An error rolls the end back. Add hooks before the worker starts.
func (e *Engine) OnFinishTx(fn func(ctx context.Context, tx *db.Tx, j *Job) error) {
	e.ending = append(e.ending, fn)
}

// ended runs the OnFinishTx hooks.
func (e *Engine) ended(ctx context.Context, tx *db.Tx, j *Job) error {
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
func (e *Engine) RunDue(ctx context.Context) (int, error) {
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
		if errors.Is(err, db.ErrNotFound) {
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
func (e *Engine) Run(ctx context.Context, jobID int64) (*Job, error) {
	s := e.Store
	now := db.Micro(s.clock.Now())
	if _, err := s.db.Exec(ctx, `UPDATE publish_jobs SET state = 'running', lease_owner = ?, lease_until = ?,
		started_at = CASE WHEN started_at = 0 THEN ? ELSE started_at END WHERE id = ? AND state IN ('scheduled', 'queued', 'running')`,
		e.owner, now+e.lease().Microseconds(), now, jobID); err != nil {
		return nil, err
	}
	return e.process(ctx, jobID)
}

func (s *Store) loadJob(ctx context.Context, q db.Querier, jobID int64) (*Job, error) {
	return scanJob(q.QueryRow(ctx, `SELECT `+jobCols+jobFrom+` WHERE j.id = ?`, jobID))
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
	if s.FlagContent == nil {
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
		if _, err := s.FlagContent(ctx, j.AccountID, a.id, a.title, plainText(a.body)); err != nil {
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

// laneMod spreads person ids over lanes: ids are time-ordered with a
// per-millisecond sequence, so the remainder by a prime mixes them well.
const laneMod = 1000003

// recipients returns the FROM/WHERE of a batch's candidate recipients
// (followers of the lane in (cursor, upper]) and its arguments.
func recipients(j *Job, l lane, cursor, upper int64) (string, []any) {
	laneCond, laneArgs := "", []any{}
	if l.lanes > 1 {
		laneCond = ` AND (f.person_id % ?) % ? = ?`
		laneArgs = []any{laneMod, l.lanes, l.lane}
	}
	if j.Target == TargetOpenIDs {
		return ` FROM mass_recipients m JOIN follows f ON f.account_id = ? AND f.person_id = m.person_id
			WHERE m.job_id = ? AND m.person_id > ? AND m.person_id <= ? AND f.following = TRUE` + laneCond,
			append([]any{j.AccountID, j.ID, cursor, upper}, laneArgs...)
	}
	if j.Target == TargetTag {
		return ` FROM tag_members m JOIN follows f ON f.account_id = m.account_id AND f.person_id = m.person_id
			WHERE m.account_id = ? AND m.tag_id = ? AND m.person_id > ? AND m.person_id <= ? AND f.following = TRUE` + laneCond,
			append([]any{j.AccountID, j.TagID, cursor, upper}, laneArgs...)
	}
	return ` FROM follows f WHERE f.account_id = ? AND f.person_id > ? AND f.person_id <= ? AND f.following = TRUE` + laneCond,
		append([]any{j.AccountID, cursor, upper}, laneArgs...)
}

// boundary returns the person_id that ends the lane's batch after cursor,
// or maxID when fewer than size candidates are left.
func (e *Engine) boundary(ctx context.Context, j *Job, l lane, cursor int64, size int) (int64, error) {
	s := e.Store
	var upper int64
	var err error
	laneCond, laneArgs := "", []any{}
	if l.lanes > 1 {
		laneCond = ` AND (person_id % ?) % ? = ?`
		laneArgs = []any{laneMod, l.lanes, l.lane}
	}
	switch j.Target {
	case TargetOpenIDs:
		err = db.Get(s.db.QueryRow(ctx, `SELECT person_id FROM mass_recipients WHERE job_id = ? AND person_id > ?`+laneCond+`
			ORDER BY person_id LIMIT 1 OFFSET ?`, append(append([]any{j.ID, cursor}, laneArgs...), size-1)...), &upper)
	case TargetTag:
		err = db.Get(s.db.QueryRow(ctx, `SELECT person_id FROM tag_members WHERE account_id = ? AND tag_id = ? AND person_id > ?`+laneCond+`
			ORDER BY person_id LIMIT 1 OFFSET ?`, append(append([]any{j.AccountID, j.TagID, cursor}, laneArgs...), size-1)...), &upper)
	default:
		err = db.Get(s.db.QueryRow(ctx, `SELECT person_id FROM follows WHERE account_id = ? AND person_id > ?`+laneCond+`
			ORDER BY person_id LIMIT 1 OFFSET ?`, append(append([]any{j.AccountID, cursor}, laneArgs...), size-1)...), &upper)
	}
	if errors.Is(err, db.ErrNotFound) {
		return maxID, nil
	}
	return upper, err
}

const maxID = 1<<63 - 1

// lane is one share of a job's recipients.
type lane struct {
	lane, lanes int
	cursor      int64
	done        bool
}

func (e *Engine) laneCount() int {
	if e.Lanes > 0 {
		return e.Lanes
	}
	if e.Store.db.Dialect() == db.Postgres {
		return 2 // one per core of a small server; SQLite has one writer anyway
	}
	return 1
}

// lanes returns the job's lanes, creating them on the first run.
func (e *Engine) lanes(ctx context.Context, j *Job) ([]lane, error) {
	s := e.Store
	n := e.laneCount()
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var have int
		if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*) FROM publish_job_lanes WHERE job_id = ?`, j.ID), &have); err != nil || have > 0 {
			return err // a resumed job keeps the lanes it started with
		}
		for i := range n {
			if _, err := tx.Exec(ctx, `INSERT INTO publish_job_lanes (job_id, lane, lanes) VALUES (?, ?, ?) ON CONFLICT (job_id, lane) DO NOTHING`, j.ID, i, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT lane, lanes, cursor_id, done FROM publish_job_lanes WHERE job_id = ? ORDER BY lane`, j.ID)
	return db.Collect(rows, err, func(r *sql.Rows) (lane, error) {
		var l lane
		return l, r.Scan(&l.lane, &l.lanes, &l.cursor, &l.done)
	})
}

// deliver writes one delivery per recipient, batch by batch in each lane:
// chat messages (and conversation upserts) for a Service account, folder
// deliveries for a Subscription account's tag-targeted send.
func (e *Engine) deliver(ctx context.Context, a *account.Account, j *Job, publishedAt int64) error {
	s := e.Store
	// A Service account's publication, and any plain message, goes into the
	// recipients' chats; a Subscription account's publication into their
	// folders.
	var parts []chatPart
	switch {
	case j.PublicationID == 0:
		for _, b := range j.Message.Parts {
			raw, err := json.Marshal(b)
			if err != nil {
				return err
			}
			parts = append(parts, chatPart{kind: j.Message.Kind, body: string(raw), preview: (&message.Message{Kind: j.Message.Kind, Body: b}).Preview()})
		}
	case a.IsService():
		b, err := s.messageBody(ctx, j.PublicationID)
		if err != nil {
			return err
		}
		raw, err := json.Marshal(b)
		if err != nil {
			return err
		}
		parts = []chatPart{{kind: message.KindPublication, body: string(raw), preview: (&message.Message{Kind: message.KindPublication, Body: *b}).Preview()}}
	}
	lanes, err := e.lanes(ctx, j)
	if err != nil {
		return err
	}
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(lanes))
	var mu sync.Mutex // guards j's counters
	for _, l := range lanes {
		if l.done {
			errc <- nil
			continue
		}
		go func(l lane) {
			err := e.runLane(lctx, j, &mu, l, parts, publishedAt)
			if err != nil {
				cancel() // one lane failing stops the others; the job resumes later
			}
			errc <- err
		}(l)
	}
	var first error
	for range lanes {
		if err := <-errc; err != nil && (first == nil || errors.Is(first, context.Canceled)) {
			first = err
		}
	}
	if first != nil {
		return first
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		var open int
		if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*) FROM publish_job_lanes WHERE job_id = ? AND done = FALSE`, j.ID), &open); err != nil {
			return err
		}
		if open > 0 {
			return fmt.Errorf("publish: job %d has %d unfinished lanes", j.ID, open)
		}
		return e.finish(ctx, tx, j)
	})
}

// chatPart is one chat message each recipient gets (a send of several
// images is several messages).
type chatPart struct {
	kind, body, preview string
}

// runLane delivers one lane's batches until the lane is done: chat messages
// (parts, with conversation upserts) or, when parts is empty, folder
// deliveries of the publication.
func (e *Engine) runLane(ctx context.Context, j *Job, mu *sync.Mutex, l lane, parts []chatPart, publishedAt int64) error {
	s := e.Store
	size := e.batchSize()
	cursor := l.cursor
	for {
		upper, err := e.boundary(ctx, j, l, cursor, size)
		if err != nil {
			return err
		}
		from, args := recipients(j, l, cursor, upper)
		var firstIDs []int64
		var sent int64
		now := db.Micro(s.clock.Now())
		err = s.db.Tx(ctx, func(tx *db.Tx) error {
			// Holding the lane row (at the cursor we expect) first makes a
			// second worker wait here and then find the cursor moved.
			res, err := tx.Exec(ctx, `UPDATE publish_job_lanes SET batches = batches + 1 WHERE job_id = ? AND lane = ? AND cursor_id = ? AND done = FALSE`,
				j.ID, l.lane, cursor)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errLostLease
			}
			if tx.Dialect() == db.Postgres {
				// JIT compiling these bulk statements costs more than running them.
				if _, err := tx.Exec(ctx, `SET LOCAL jit = off`); err != nil {
					return err
				}
			}
			var total int64
			if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*)`+from, args...), &total); err != nil {
				return err
			}
			if len(parts) > 0 {
				// Every part goes to the same recipients in the same order, so
				// each gets its own block of ids and the conversations are
				// computed from the narrow follows rows with the last part's
				// ids rather than read back from the messages just written.
				firstIDs = firstIDs[:0]
				for i, p := range parts {
					firstID := id.NewBlock(int64(size))
					firstIDs = append(firstIDs, firstID)
					res, err = tx.Exec(ctx, `INSERT INTO messages (id, account_id, person_id, direction, kind, sender, agent_id, body, created_at)
						SELECT CAST(? AS BIGINT) + ROW_NUMBER() OVER (ORDER BY f.person_id) - 1, f.account_id, f.person_id, 'out', ?, 'mass', 0, ?, ?`+from+` AND f.blocked = FALSE`,
						append([]any{firstID, p.kind, p.body, now}, args...)...)
					if err != nil {
						return err
					}
					if i == 0 {
						sent, _ = res.RowsAffected()
					}
				}
				if sent > 0 {
					last := parts[len(parts)-1]
					if _, err := tx.Exec(ctx, message.ConversationOutInsert+`
						SELECT f.account_id, f.person_id, CAST(? AS BIGINT) + ROW_NUMBER() OVER (ORDER BY f.person_id) - 1, ?, ?, ?`+from+` AND f.blocked = FALSE`+
						message.ConversationOutUpsert,
						append([]any{firstIDs[len(firstIDs)-1], now, last.preview, len(parts)}, args...)...); err != nil {
						return err
					}
				}
			} else {
				res, err = tx.Exec(ctx, `INSERT INTO folder_deliveries (person_id, at, publication_id, account_id)
					SELECT f.person_id, ?, ?, f.account_id`+from+` AND f.blocked = FALSE ON CONFLICT (person_id, at, publication_id) DO NOTHING`,
					append([]any{publishedAt, j.PublicationID}, args...)...)
				if err != nil {
					return err
				}
				sent, _ = res.RowsAffected()
			}
			mu.Lock()
			batch := j.Batches + 1
			mu.Unlock()
			if e.BatchHook != nil {
				if err := e.BatchHook(ctx, j, batch); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE publish_job_lanes SET cursor_id = ?, done = ? WHERE job_id = ? AND lane = ?`,
				upper, upper == maxID, j.ID, l.lane); err != nil {
				return err
			}
			// Last, so that lanes hold the job row only while committing.
			res, err = tx.Exec(ctx, `UPDATE publish_jobs SET total_count = total_count + ?, filter_count = filter_count + ?,
				sent_count = sent_count + ?, batches = batches + 1, lease_until = ? WHERE id = ? AND lease_owner = ? AND state = 'running'`,
				total, sent, sent, now+e.lease().Microseconds(), j.ID, e.owner)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errLostLease
			}
			mu.Lock()
			j.TotalCount += total
			j.FilterCount += sent
			j.SentCount += sent
			j.Batches++
			mu.Unlock()
			return nil
		})
		if err != nil {
			return err
		}
		if len(parts) > 0 && sent > 0 && sent <= 2000 {
			for _, firstID := range firstIDs {
				e.announce(ctx, j, firstID, firstID+sent)
			}
		}
		mu.Lock()
		e.progress(j)
		mu.Unlock()
		if upper == maxID {
			return nil
		}
		cursor = upper
	}
}

// announce tells recipients' open chats about their new message (only for
// small batches: big sends let chats refresh on their own).
func (e *Engine) announce(ctx context.Context, j *Job, from, to int64) {
	s := e.Store
	if s.Bus == nil {
		return
	}
	rows, err := s.db.Query(ctx, `SELECT id, person_id, kind, body, created_at FROM messages WHERE id >= ? AND id < ? AND account_id = ?`, from, to, j.AccountID)
	if err != nil {
		return
	}
	defer rows.Close()
	for rows.Next() {
		var m message.Message
		var body string
		var created int64
		if rows.Scan(&m.ID, &m.PersonID, &m.Kind, &body, &created) != nil {
			return
		}
		if json.Unmarshal([]byte(body), &m.Body) != nil {
			continue
		}
		m.AccountID, m.Direction, m.Sender, m.CreatedAt = j.AccountID, message.Out, message.SenderMass, db.FromMicro(created)
		s.Bus.Publish(realtime.PersonTopic(m.PersonID), realtime.Event{Type: "message", ID: strconv.FormatInt(m.ID, 10), Data: &m})
	}
}

// progress tells the account's console pages how far the job is.
func (e *Engine) progress(j *Job) {
	if e.Store.Bus == nil {
		return
	}
	e.Store.Bus.Publish(realtime.AccountTopic(j.AccountID), realtime.Event{Type: "mass_progress", Data: map[string]any{
		"job_id": fmt.Sprint(j.ID), "state": j.State, "expected": j.Expected, "total": j.TotalCount, "filter": j.FilterCount,
		"sent": j.SentCount, "errors": j.ErrorCount, "percent": j.Percent(),
	}})
}

// messageBody is the chat message a Service account's mass send delivers.
func (s *Store) messageBody(ctx context.Context, pubID int64) (*message.Body, error) {
	rows, err := s.db.Query(ctx, `SELECT id, title, digest, cover_media_id FROM articles WHERE publication_id = ? AND deleted = FALSE ORDER BY idx`, pubID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	b := &message.Body{PublicationID: pubID}
	for rows.Next() {
		var aid int64
		var title, digest, cover string
		if err := rows.Scan(&aid, &title, &digest, &cover); err != nil {
			return nil, err
		}
		b.Articles = append(b.Articles, message.Article{Title: title, Description: digest, URL: ArticlePath(aid), PicURL: MediaPath(cover)})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(b.Articles) == 0 {
		return nil, errs.Conflictf("The publication has no articles.")
	}
	b.Title, b.Description, b.URL = b.Articles[0].Title, b.Articles[0].Description, b.Articles[0].URL
	return b, nil
}

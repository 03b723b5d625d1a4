package publish

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

// Job modes.
const (
	ModePublish = "publish" // the articles get public URLs and show on the profile
	ModeMass    = "mass"    // also pushed to followers, using the monthly quota
)

// Targets of a mass send.
const (
	TargetAll     = "all"
	TargetTag     = "tag"
	TargetOpenIDs = "openids" // a list of followers (the API's mass/send)
)

// Where a job was made.
const (
	SourceConsole = "console"
	SourceAPI     = "api"
)

// Job states.
const (
	JobScheduled = "scheduled"
	JobQueued    = "queued"
	JobRunning   = "running"
	JobDone      = "done"
	JobFailed    = "failed"
	JobCancelled = "cancelled"
)

// Scheduling window: a scheduled send must be at least this far ahead, and
// at most MaxScheduleAhead.
const (
	MinScheduleAhead = 5 * time.Minute
	MaxScheduleAhead = 30 * 24 * time.Hour
)

// Job is a publish or mass-send job. Its APIID is the API's
// msg_id/publish_id.
type Job struct {
	ID            int64
	APIID         int64 // the API's publish_id or msg_id (a small public number; 0 for rows made outside the Store)
	AccountID     int64
	PublicationID int64
	Mode          string
	Target        string
	TagID         int64
	State         string
	RunAt         time.Time
	QuotaMonth    string
	Cursor        int64
	Expected      int64 // recipients expected when the job started (progress bar)
	TotalCount    int64 // followers in the target (WeChat TotalCount)
	FilterCount   int64 // of those, who may receive it (not blacklisted)
	SentCount     int64 // deliveries committed
	ErrorCount    int64 // deliveries that failed
	Batches       int
	Error         string
	CreatedBy     int64
	CreatedAt     time.Time
	StartedAt     time.Time
	FinishedAt    time.Time

	Source      string       // SourceConsole or SourceAPI
	MsgType     string       // the API's msgtype (mpnews, text, voice, image, mpvideo); "" from the console
	Message     *MassMessage // the chat message of a send without a publication (PublicationID 0)
	ClientMsgID string       // the API's clientmsgid
	DeletedAt   time.Time    // mass/delete (or the publication was deleted)

	Title    string // the publication's title (or the message's summary), for lists
	pubState string
}

// Percent is the share of expected recipients processed so far (0–100).
func (j *Job) Percent() int {
	switch {
	case j.State == JobDone:
		return 100
	case j.Expected <= 0:
		return 0
	}
	return int(min(100, j.TotalCount*100/j.Expected))
}

// Finished reports whether the job will not change any more.
func (j *Job) Finished() bool {
	return j.State == JobDone || j.State == JobFailed || j.State == JobCancelled
}

// SendOptions say how to publish.
type SendOptions struct {
	Mode   string    // ModePublish or ModeMass
	Target string    // ModeMass: TargetAll (default) or TargetTag
	TagID  int64     // TargetTag
	At     time.Time // zero: now; otherwise a scheduled time
}

// checkAccount refuses accounts that may not publish (status, restrictions).
func (s *Store) checkAccount(ctx context.Context, a *account.Account, mode string) error {
	switch a.Status {
	case account.StatusActive:
	case account.StatusSuspended:
		return errs.Forbiddenf("%s is suspended and cannot publish.", a.Name)
	case account.StatusTerminated:
		return errs.Forbiddenf("%s has been terminated and cannot publish.", a.Name)
	default:
		return errs.Forbiddenf("%s is not approved yet and cannot publish.", a.Name)
	}
	if err := s.gate(ctx, a.ID, FeaturePublishing); err != nil {
		return err
	}
	if mode == ModeMass {
		return s.gate(ctx, a.ID, FeatureMassSend)
	}
	return nil
}

// tagName returns the name of one of the account's follower tags.
func tagName(ctx context.Context, q db.Querier, accountID, tagID int64) (string, error) {
	var name string
	err := db.Get(q.QueryRow(ctx, `SELECT name FROM tags WHERE account_id = ? AND id = ?`, accountID, tagID), &name)
	if errors.Is(err, db.ErrNotFound) {
		return "", errs.FieldInvalid("tag", "Choose one of this account's tags.")
	}
	return name, err
}

// Send publishes a draft now or at opts.At, as a plain publish or a mass
// send. A mass send takes one from the monthly quota of the month it goes
// out in (refused with the reason when none is left). Publishing now is
// done when Send returns; a mass send now is queued for the engine, whose
// progress the returned job reports.
func (s *Store) Send(ctx context.Context, accountID, personID, pubID int64, opts SendOptions) (*Job, error) {
	if opts.Mode != ModeMass {
		opts.Mode = ModePublish
		opts.Target, opts.TagID = TargetAll, 0
	}
	if opts.Target != TargetTag {
		opts.Target, opts.TagID = TargetAll, 0
	}
	now := s.clock.Now()
	state := JobQueued
	runAt := now
	if !opts.At.IsZero() {
		if opts.At.Before(now.Add(MinScheduleAhead - time.Second)) {
			return nil, errs.FieldInvalid("at", "Choose a time at least %d minutes from now.", int(MinScheduleAhead.Minutes()))
		}
		if opts.At.After(now.Add(MaxScheduleAhead)) {
			return nil, errs.FieldInvalid("at", "Choose a time within the next %d days.", int(MaxScheduleAhead.Hours()/24))
		}
		state, runAt = JobScheduled, opts.At
	}
	j := &Job{ID: id.New(), AccountID: accountID, PublicationID: pubID, Mode: opts.Mode, Target: opts.Target, TagID: opts.TagID,
		State: state, RunAt: runAt, CreatedBy: personID, CreatedAt: now}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		a, err := s.account(ctx, tx, accountID)
		if err != nil {
			return err
		}
		if err := s.checkAccount(ctx, a, opts.Mode); err != nil {
			return err
		}
		var pubState string
		var count int
		if err := db.Get(tx.QueryRow(ctx, `SELECT state, article_count FROM publications WHERE id = ? AND account_id = ?`, pubID, accountID), &pubState, &count); err != nil {
			return err
		}
		if pubState != StateDraft {
			return errs.Conflictf("This publication is %s already; only drafts can be published.", pubState)
		}
		if count == 0 {
			return errs.Invalidf("A publication needs at least one article.")
		}
		if opts.Target == TargetTag {
			if _, err := tagName(ctx, tx, accountID, opts.TagID); err != nil {
				return err
			}
		}
		if opts.Mode == ModeMass {
			if j.QuotaMonth, err = s.takeQuota(ctx, tx, a, runAt); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE publications SET state = 'scheduled', updated_at = ? WHERE id = ?`, db.Micro(now), pubID); err != nil {
			return err
		}
		if j.APIID, err = db.NextNumber(ctx, tx, counterJob); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO publish_jobs (id, account_id, publication_id, mode, target, tag_id, state, run_at, quota_month, created_by, created_at, api_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, j.ID, accountID, pubID, j.Mode, j.Target, j.TagID, j.State, db.Micro(runAt), j.QuotaMonth, personID, db.Micro(now), j.APIID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return j, nil
}

// takeQuota uses one mass send of the month that contains t, or refuses.
func (s *Store) takeQuota(ctx context.Context, tx *db.Tx, a *account.Account, t time.Time) (string, error) {
	month, reset := monthOf(t, a.Location())
	limit, err := s.limitFor(ctx, a)
	if err != nil {
		return "", err
	}
	// The upsert takes the row lock first (PostgreSQL), so two concurrent
	// sends cannot both take the last one.
	if _, err := tx.Exec(ctx, `INSERT INTO mass_quota (account_id, month, used) VALUES (?, ?, 0) ON CONFLICT (account_id, month) DO NOTHING`, a.ID, month); err != nil {
		return "", err
	}
	res, err := tx.Exec(ctx, `UPDATE mass_quota SET used = used + 1 WHERE account_id = ? AND month = ? AND used < ?`, a.ID, month, limit)
	if err != nil {
		return "", err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		kind := "Subscription"
		if a.IsService() {
			kind = "Service"
		}
		return "", errs.TooManyf("No mass sends left for %s: %s accounts may mass-send %d times a calendar month, and %s has used them all (scheduled sends count). The quota resets on %s (%s).",
			monthName(month), kind, limit, a.Name, reset.Format("2 January 2006"), a.Timezone)
	}
	return month, nil
}

func monthName(month string) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return month
	}
	return t.Format("January 2006")
}

func refundQuota(ctx context.Context, tx *db.Tx, accountID int64, month string) error {
	if month == "" {
		return nil
	}
	_, err := tx.Exec(ctx, `UPDATE mass_quota SET used = used - 1 WHERE account_id = ? AND month = ? AND used > 0`, accountID, month)
	return err
}

// Cancel stops a scheduled job before it runs: the publication is a draft
// again and the quota is given back.
func (s *Store) Cancel(ctx context.Context, accountID, jobID int64) error {
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		var state, month string
		var pubID int64
		if err := db.Get(tx.QueryRow(ctx, `SELECT state, quota_month, publication_id FROM publish_jobs WHERE id = ? AND account_id = ?`, jobID, accountID),
			&state, &month, &pubID); err != nil {
			return err
		}
		if state != JobScheduled {
			return errs.Conflictf("Only scheduled sends can be cancelled; this one is %s.", state)
		}
		if _, err := tx.Exec(ctx, `UPDATE publish_jobs SET state = 'cancelled', finished_at = ? WHERE id = ?`, db.Micro(s.clock.Now()), jobID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE publications SET state = 'draft' WHERE id = ? AND state = 'scheduled'`, pubID); err != nil {
			return err
		}
		return refundQuota(ctx, tx, accountID, month)
	})
}

const jobCols = `j.id, j.account_id, COALESCE(j.publication_id, 0), j.mode, j.target, j.tag_id, j.state, j.run_at, j.quota_month, j.cursor_id, j.expected,
	j.total_count, j.filter_count, j.sent_count, j.error_count, j.batches, j.error, j.created_by, j.created_at, j.started_at, j.finished_at,
	j.source, j.msgtype, j.message, j.client_msg_id, j.deleted_at, COALESCE(p.title, ''), COALESCE(p.state, ''), COALESCE(j.api_id, 0)`

// jobFrom joins a job with its publication, if it has one.
const jobFrom = ` FROM publish_jobs j LEFT JOIN publications p ON p.id = j.publication_id`

func scanJob(sc interface{ Scan(...any) error }) (*Job, error) {
	var j Job
	var run, created, started, finished, deleted int64
	var msg string
	err := sc.Scan(&j.ID, &j.AccountID, &j.PublicationID, &j.Mode, &j.Target, &j.TagID, &j.State, &run, &j.QuotaMonth, &j.Cursor, &j.Expected,
		&j.TotalCount, &j.FilterCount, &j.SentCount, &j.ErrorCount, &j.Batches, &j.Error, &j.CreatedBy, &created, &started, &finished,
		&j.Source, &j.MsgType, &msg, &j.ClientMsgID, &deleted, &j.Title, &j.pubState, &j.APIID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, db.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	j.RunAt, j.CreatedAt, j.StartedAt, j.FinishedAt = db.FromMicro(run), db.FromMicro(created), db.FromMicro(started), db.FromMicro(finished)
	if deleted > 0 {
		j.DeletedAt = db.FromMicro(deleted)
	}
	if msg != "" {
		j.Message = &MassMessage{}
		if err := json.Unmarshal([]byte(msg), j.Message); err != nil {
			return nil, fmt.Errorf("publish: job %d: message: %w", j.ID, err)
		}
		j.Title = j.Message.Summary()
	}
	return &j, nil
}

// Job returns a job of the account.
func (s *Store) Job(ctx context.Context, accountID, jobID int64) (*Job, error) {
	return scanJob(s.db.QueryRow(ctx, `SELECT `+jobCols+jobFrom+` WHERE j.id = ? AND j.account_id = ?`, jobID, accountID))
}

// JobByAPIID returns the account's job whose publish_id / msg_id (Job.APIID)
// is apiID: db.ErrNotFound for another account's or an unknown number.
func (s *Store) JobByAPIID(ctx context.Context, accountID, apiID int64) (*Job, error) {
	if apiID <= 0 {
		return nil, db.ErrNotFound
	}
	return scanJob(s.db.QueryRow(ctx, `SELECT `+jobCols+jobFrom+` WHERE j.api_id = ? AND j.account_id = ?`, apiID, accountID))
}

// Jobs lists the account's jobs, newest first.
func (s *Store) Jobs(ctx context.Context, accountID int64, limit int) ([]*Job, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := s.db.Query(ctx, `SELECT `+jobCols+jobFrom+`
		WHERE j.account_id = ? ORDER BY j.created_at DESC, j.id DESC LIMIT ?`, accountID, limit)
	return db.Collect(rows, err, func(r *sql.Rows) (*Job, error) { return scanJob(r) })
}

// String describes the job's outcome in one line.
func (j *Job) String() string {
	if j.Mode == ModePublish {
		return j.State
	}
	return fmt.Sprintf("%s: %d total, %d after filtering, %d sent, %d errors", j.State, j.TotalCount, j.FilterCount, j.SentCount, j.ErrorCount)
}

package publish

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
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
	FilterCount   int64 // of those, who may receive it (not blacklisted, not at a Service account's per-follower monthly cap)
	CappedCount   int64 // of TotalCount, who already had the per-follower monthly cap (Service accounts)
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

const jobCols = `j.id, j.account_id, COALESCE(j.publication_id, 0), j.mode, j.target, j.tag_id, j.state, j.run_at, j.quota_month, j.cursor_id, j.expected,
	j.total_count, j.filter_count, j.sent_count, j.error_count, j.batches, j.error, j.created_by, j.created_at, j.started_at, j.finished_at,
	j.source, j.msgtype, j.message, j.client_msg_id, j.deleted_at, COALESCE(p.title, ''), COALESCE(p.state, ''), COALESCE(j.api_id, 0), j.capped_count`

// jobFrom joins a job with its publication, if it has one.
const jobFrom = ` FROM publish_jobs j LEFT JOIN publications p ON p.id = j.publication_id`

func scanJob(sc interface{ Scan(...any) error }) (*Job, error) {
	var j Job
	var run, created, started, finished, deleted int64
	var msg string
	err := sc.Scan(&j.ID, &j.AccountID, &j.PublicationID, &j.Mode, &j.Target, &j.TagID, &j.State, &run, &j.QuotaMonth, &j.Cursor, &j.Expected,
		&j.TotalCount, &j.FilterCount, &j.SentCount, &j.ErrorCount, &j.Batches, &j.Error, &j.CreatedBy, &created, &started, &finished,
		&j.Source, &j.MsgType, &msg, &j.ClientMsgID, &deleted, &j.Title, &j.pubState, &j.APIID, &j.CappedCount)
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
func (s *Store) Job(ctx context.Context, accountID, jobID int64) (_ *Job, err error) {
	defer errs.Wrap(&err, "publish.Store.Job(%d, %d)", accountID, jobID)
	return scanJob(s.db.QueryRow(ctx, `SELECT `+jobCols+jobFrom+` WHERE j.id = ? AND j.account_id = ?`, jobID, accountID))
}

// JobByAPIID returns the account's job whose publish_id / msg_id (Job.APIID)
// is apiID: db.ErrNotFound for another account's or an unknown number.
func (s *Store) JobByAPIID(ctx context.Context, accountID, apiID int64) (_ *Job, err error) {
	defer errs.Wrap(&err, "publish.Store.JobByAPIID(%d, %d)", accountID, apiID)
	if apiID <= 0 {
		return nil, db.ErrNotFound
	}
	return scanJob(s.db.QueryRow(ctx, `SELECT `+jobCols+jobFrom+` WHERE j.api_id = ? AND j.account_id = ?`, apiID, accountID))
}

// Jobs lists the account's jobs, newest first.
func (s *Store) Jobs(ctx context.Context, accountID int64, limit int) (_ []*Job, err error) {
	defer errs.Wrap(&err, "publish.Store.Jobs(%d)", accountID)
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

func (s *Store) loadJob(ctx context.Context, q db.Querier, jobID int64) (*Job, error) {
	return scanJob(q.QueryRow(ctx, `SELECT `+jobCols+jobFrom+` WHERE j.id = ?`, jobID))
}

// Operator returns who a job's events name as their sender: the person who
// started it, or for jobs started through the developer API the account's
// owner (0 when there is none).
func (s *Store) Operator(ctx context.Context, j *Job) (_ int64, err error) {
	defer errs.Wrap(&err, "publish.Store.Operator(%d)", j.ID)
	if j.CreatedBy != 0 {
		return j.CreatedBy, nil
	}
	var pid int64
	err = db.Get(s.db.QueryRow(ctx, `SELECT person_id FROM account_members WHERE account_id = ? AND role = 'owner' ORDER BY person_id LIMIT 1`,
		j.AccountID), &pid)
	if errors.Is(err, errs.NotFound) {
		return 0, nil
	}
	return pid, err
}

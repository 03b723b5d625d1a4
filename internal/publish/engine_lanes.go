package publish

import (
	"context"
	"database/sql"
	"errors"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

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
	if errors.Is(err, errs.NotFound) {
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

// laneCount is how many lanes a new job gets. Only sends that write wide
// rows per recipient (a Subscription account's plain message: a message and
// a conversation upsert each) are split on PostgreSQL: a broadcast's or a
// folder's narrow rows cost less to write than a second lane costs to scan
// (each lane reads every candidate of its range and keeps its share) and
// its keys stay in ascending order, which PostgreSQL's B-tree appends
// cheaply. SQLite has one writer anyway.
func (e *Engine) laneCount(wide bool) int {
	if e.opts.Lanes > 0 {
		return e.opts.Lanes
	}
	if wide && e.Store.db.Dialect() == db.Postgres {
		return 2 // one per core of a small server
	}
	return 1
}

// lanes returns the job's lanes, creating them on the first run.
func (e *Engine) lanes(ctx context.Context, j *Job, wide bool) ([]lane, error) {
	s := e.Store
	n := e.laneCount(wide)
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

package publish

import (
	"context"
	"database/sql"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// ClaimFinishNotice marks an ended API mass send as told (its
// MASSSENDJOBFINISH is being pushed) and reports whether this caller is the
// one to tell it: true once per job, whoever asks first (the engine's
// OnFinish hook or a sweep after a crash).
func (s *Store) ClaimFinishNotice(ctx context.Context, jobID int64) (_ bool, err error) {
	defer errs.Wrap(&err, "publish.Store.ClaimFinishNotice(%d)", jobID)
	return s.claimFinishNotice(ctx, s.db, jobID)
}

// ClaimFinishNoticeTx is ClaimFinishNotice inside tx (the transaction that
// ends the job, which queues the notice there).
func (s *Store) ClaimFinishNoticeTx(ctx context.Context, tx *db.Tx, jobID int64) (_ bool, err error) {
	defer errs.Wrap(&err, "publish.Store.ClaimFinishNoticeTx(%d)", jobID)
	return s.claimFinishNotice(ctx, tx, jobID)
}

func (s *Store) claimFinishNotice(ctx context.Context, x interface {
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
}, jobID int64) (bool, error) {
	res, err := x.Exec(ctx, `UPDATE publish_jobs SET notified_at = ? WHERE id = ? AND source = 'api' AND mode = 'mass'
		AND notified_at = 0 AND state IN ('done', 'failed')`, db.Micro(s.clock.Now()), jobID)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// UntoldAPISends returns up to limit API mass sends that ended without
// being told (their process died between the end and the notice).
func (s *Store) UntoldAPISends(ctx context.Context, limit int) (_ []*Job, err error) {
	defer errs.Wrap(&err, "publish.Store.UntoldAPISends()")
	rows, err := s.db.Query(ctx, `SELECT `+jobCols+jobFrom+` WHERE j.source = 'api' AND j.mode = 'mass' AND j.notified_at = 0
		AND j.state IN ('done', 'failed') ORDER BY j.id LIMIT ?`, limit)
	return db.Collect(rows, err, func(r *sql.Rows) (*Job, error) { return scanJob(r) })
}

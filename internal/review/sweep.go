package review

import (
	"context"
	"database/sql"
	"errors"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// SweepResult says what a Sweep did.
type SweepResult struct {
	PenaltiesExpired    int
	VerificationsLapsed int
}

// Sweep is the background job (app.StartJobs runs it every minute): it
// records the expiry of penalties whose time has passed, restoring the
// status of accounts whose suspension ended, and records the lapse of
// verifications. Reads never wait for it: Restricted and the badge already
// judge expiry against the clock. It is idempotent.
func (s *Store) Sweep(ctx context.Context) (_ SweepResult, err error) {
	defer errs.Wrap(&err, "review.Store.Sweep()")
	var res SweepResult
	now := s.now()
	rows, err := s.db.Query(ctx, `SELECT id FROM penalties WHERE state = 'active' AND expires_at <> 0 AND expires_at <= ? ORDER BY expires_at LIMIT 500`, db.Micro(now))
	ids, err := db.Collect(rows, err, func(r *sql.Rows) (int64, error) { var v int64; return v, r.Scan(&v) })
	if err != nil {
		return res, err
	}
	for _, pid := range ids {
		err := s.db.Tx(ctx, func(tx *db.Tx) error {
			pen, err := scanPenalty(tx.QueryRow(ctx, `SELECT `+penaltyCols+penaltyFrom+` WHERE pn.id = ?`+forUpdateOf(tx, "pn"), pid))
			if err != nil {
				return err
			}
			if pen.InForce(now) || pen.State != PenaltyActive {
				return nil // changed since the scan
			}
			to, err := penaltyNext(pen.State, penExpire)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE penalties SET state = ?, ended_at = ? WHERE id = ? AND state = 'active'`, to, db.Micro(now), pid); err != nil {
				return err
			}
			var status string
			if err := db.Get(tx.QueryRow(ctx, `SELECT status FROM accounts WHERE id = ?`+forUpdate(tx), pen.AccountID), &status); err != nil {
				return err
			}
			if err := s.syncStatus(ctx, tx, pen.AccountID, status, now); err != nil {
				return err
			}
			res.PenaltiesExpired++
			return audit(ctx, tx, now, nil, AuditPenaltyExpire, pen.AccountID, pen.AccountName, "penalty", pid,
				phrase("%s ended at %s.", kindText(pen.Kind, pen.Feature), errs.Moment(pen.ExpiresAt)))
		})
		if err != nil {
			return res, err
		}
	}

	rows, err = s.db.Query(ctx, `SELECT id FROM accounts WHERE verified_until <> 0 AND verified_until <= ? AND lapse_noted_at < verified_until LIMIT 500`, db.Micro(now))
	lapsed, err := db.Collect(rows, err, func(r *sql.Rows) (int64, error) { var v int64; return v, r.Scan(&v) })
	if err != nil {
		return res, err
	}
	for _, aid := range lapsed {
		err := s.db.Tx(ctx, func(tx *db.Tx) error {
			var name string
			var until int64
			if err := db.Get(tx.QueryRow(ctx, `SELECT name, verified_until FROM accounts WHERE id = ? AND verified_until <> 0 AND verified_until <= ? AND lapse_noted_at < verified_until`+forUpdate(tx),
				aid, db.Micro(now)), &name, &until); err != nil {
				if errors.Is(err, errs.NotFound) {
					return nil
				}
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE accounts SET lapse_noted_at = ? WHERE id = ?`, db.Micro(now), aid); err != nil {
				return err
			}
			res.VerificationsLapsed++
			return audit(ctx, tx, now, nil, AuditVerifyLapse, aid, name, "account", aid,
				phrase("Verification ended on %s; the badge is off until a renewal is approved.", errs.Content(db.FromMicro(until).Format("2006-01-02"))))
		})
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

package publish

import (
	"context"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

// A split send is one mass send delivered by several jobs to disjoint lists
// of followers (an A/B test's variants and its winner's roll-out): the
// caller takes the quota once (TakeMassQuota) and adds list jobs
// (AddListJob) that take none, filling each job's mass_recipients itself,
// all in its own transaction.

// TakeMassQuota checks, in tx, that the account may mass-send now (its
// status and restrictions) and takes one send from the quota of the month
// that contains t; it returns the quota month, or the refusal.
func (s *Store) TakeMassQuota(ctx context.Context, tx *db.Tx, accountID int64, t time.Time) (_ string, err error) {
	defer errs.Wrap(&err, "publish.Store.TakeMassQuota(%d)", accountID)
	a, err := s.account(ctx, tx, accountID)
	if err != nil {
		return "", err
	}
	if err := s.checkAccount(ctx, a, ModeMass); err != nil {
		return "", err
	}
	return s.takeQuota(ctx, tx, a, t)
}

// RefundMassQuota gives back, in tx, a send TakeMassQuota took.
func (s *Store) RefundMassQuota(ctx context.Context, tx *db.Tx, accountID int64, month string) (err error) {
	defer errs.Wrap(&err, "publish.Store.RefundMassQuota(%d)", accountID)
	return refundQuota(ctx, tx, accountID, month)
}

// AddListJob adds, in tx, a mass job sending a publication to the
// followers the caller puts in mass_recipients under the returned job's
// id. It takes no quota. The job is queued to run at once, or scheduled
// for runAt when that is later than now; a draft becomes scheduled, as
// Send makes it.
func (s *Store) AddListJob(ctx context.Context, tx *db.Tx, accountID, personID, pubID int64, runAt time.Time) (_ *Job, err error) {
	defer errs.Wrap(&err, "publish.Store.AddListJob(%d, %d, %d)", accountID, personID, pubID)
	now := s.clock.Now()
	state := JobQueued
	if runAt.After(now) {
		state = JobScheduled
	} else {
		runAt = now
	}
	j := &Job{ID: id.New(), AccountID: accountID, PublicationID: pubID, Mode: ModeMass, Target: TargetOpenIDs,
		State: state, RunAt: runAt, CreatedBy: personID, CreatedAt: now, Source: SourceConsole}
	if _, err := tx.Exec(ctx, `UPDATE publications SET state = 'scheduled', updated_at = ? WHERE id = ? AND account_id = ? AND state = 'draft'`,
		db.Micro(now), pubID, accountID); err != nil {
		return nil, err
	}
	if j.APIID, err = db.NextNumber(ctx, tx, counterJob); err != nil {
		return nil, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO publish_jobs (id, account_id, publication_id, mode, target, tag_id, state, run_at, quota_month, created_by, created_at, api_id)
		VALUES (?, ?, ?, ?, ?, 0, ?, ?, '', ?, ?, ?)`, j.ID, accountID, pubID, j.Mode, j.Target, j.State, db.Micro(runAt), personID, db.Micro(now), j.APIID)
	if err != nil {
		return nil, err
	}
	return j, nil
}

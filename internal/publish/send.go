package publish

import (
	"context"
	"errors"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

// Scheduling window: a scheduled send must be at least this far ahead, and
// at most MaxScheduleAhead.
const (
	MinScheduleAhead = 5 * time.Minute
	MaxScheduleAhead = 30 * 24 * time.Hour
)

// SendOptions say how to publish.
type SendOptions struct {
	Mode   string    // ModePublish or ModeMass
	Target string    // ModeMass: TargetAll (default) or TargetTag
	TagID  int64     // TargetTag
	At     time.Time // zero: now; otherwise a scheduled time
}

// checkAccount refuses accounts that may not publish now (status,
// restrictions).
func (s *Store) checkAccount(ctx context.Context, a *account.Account, mode string) error {
	return s.checkAccountAt(ctx, a, mode, time.Time{})
}

// checkAccountAt refuses accounts that may not publish at a scheduled time
// (zero: now): the account's status as it is now, and the restrictions
// that will still be in force then (the engine asks again when it runs).
func (s *Store) checkAccountAt(ctx context.Context, a *account.Account, mode string, at time.Time) error {
	switch a.Status {
	case account.StatusActive:
	case account.StatusSuspended:
		// A suspension is a penalty with an end, which the penalty gate
		// judges at the moment of sending: a send scheduled after the
		// suspension ends may be made, and runs even before the background
		// sweep has set the account active again. Without a gate the
		// status alone decides.
		if s.deps.Gate == nil {
			return errs.Forbiddenf("%s is suspended and cannot publish.", a.Name)
		}
	case account.StatusTerminated:
		return errs.Forbiddenf("%s has been terminated and cannot publish.", a.Name)
	default:
		return errs.Forbiddenf("%s is not approved yet and cannot publish.", a.Name)
	}
	if err := s.gateAt(ctx, a.ID, FeaturePublishing, at); err != nil {
		return err
	}
	if mode == ModeMass {
		return s.gateAt(ctx, a.ID, FeatureMassSend, at)
	}
	return nil
}

// tagName returns the name of one of the account's follower tags.
func tagName(ctx context.Context, q db.Querier, accountID, tagID int64) (string, error) {
	var name string
	err := db.Get(q.QueryRow(ctx, `SELECT name FROM tags WHERE account_id = ? AND id = ?`, accountID, tagID), &name)
	if errors.Is(err, errs.NotFound) {
		return "", errs.FieldInvalid("tag", "Choose one of this account's tags.")
	}
	return name, err
}

// Send publishes a draft now or at opts.At, as a plain publish or a mass
// send. A mass send takes one from the monthly quota of the month it goes
// out in (refused with the reason when none is left). Publishing now is
// done when Send returns; a mass send now is queued for the engine, whose
// progress the returned job reports.
func (s *Store) Send(ctx context.Context, accountID, personID, pubID int64, opts SendOptions) (_ *Job, err error) {
	defer errs.Wrap(&err, "publish.Store.Send(%d, %d, %d)", accountID, personID, pubID)
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
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		a, err := s.account(ctx, tx, accountID)
		if err != nil {
			return err
		}
		if err := s.checkAccountAt(ctx, a, opts.Mode, opts.At); err != nil {
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
func (s *Store) Cancel(ctx context.Context, accountID, jobID int64) (err error) {
	defer errs.Wrap(&err, "publish.Store.Cancel(%d, %d)", accountID, jobID)
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

package publish

import (
	"context"
	"errors"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// Quota is an account's mass-send allowance for the current calendar month
// (in the account's time zone).
type Quota struct {
	Month   string    // "2026-11"
	Limit   int       // from the platform settings, by account type
	Used    int       // sent or scheduled this month
	Left    int       // Limit - Used, never below 0
	ResetAt time.Time // the first moment of next month, in the account's zone
}

// monthOf returns the quota month of t in loc and when the next one starts.
func monthOf(t time.Time, loc *time.Location) (string, time.Time) {
	lt := t.In(loc)
	start := time.Date(lt.Year(), lt.Month(), 1, 0, 0, 0, 0, loc)
	return lt.Format("2006-01"), start.AddDate(0, 1, 0)
}

func (s *Store) limitFor(ctx context.Context, a *account.Account) (int, error) {
	p, err := s.deps.Settings.Get(ctx)
	if err != nil {
		return 0, err
	}
	if a.IsService() {
		return p.ServiceMassSendsPerMonth, nil
	}
	return p.SubscriptionMassSendsPerMonth, nil
}

// QuotaAt returns the account's quota for the month that contains t.
func (s *Store) QuotaAt(ctx context.Context, a *account.Account, t time.Time) (_ *Quota, err error) {
	defer errs.Wrap(&err, "publish.Store.QuotaAt(%d)", a.ID)
	month, reset := monthOf(t, a.Location())
	limit, err := s.limitFor(ctx, a)
	if err != nil {
		return nil, err
	}
	q := &Quota{Month: month, Limit: limit, ResetAt: reset}
	err = db.Get(s.db.QueryRow(ctx, `SELECT used FROM mass_quota WHERE account_id = ? AND month = ?`, a.ID, month), &q.Used)
	if err != nil && !errors.Is(err, errs.NotFound) {
		return nil, err
	}
	q.Left = max(0, q.Limit-q.Used)
	return q, nil
}

// Quota returns the account's quota for this month.
func (s *Store) Quota(ctx context.Context, a *account.Account) (_ *Quota, err error) {
	defer errs.Wrap(&err, "publish.Store.Quota(%d)", a.ID)
	return s.QuotaAt(ctx, a, s.clock.Now())
}

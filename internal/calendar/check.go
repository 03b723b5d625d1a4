package calendar

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// QuietHours is a daily stretch of the account's local time when followers
// should not be disturbed: from From up to (not including) To, in minutes
// after midnight. It wraps past midnight when To is before From (22:00 to
// 08:00). From == To means none.
type QuietHours struct {
	From, To int
}

// Set reports whether the account has quiet hours.
func (q QuietHours) Set() bool { return q.From != q.To }

// Contains reports whether t, in loc, falls in the quiet hours.
func (q QuietHours) Contains(t time.Time, loc *time.Location) bool {
	if !q.Set() {
		return false
	}
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	m := lt.Hour()*60 + lt.Minute()
	if q.From < q.To {
		return m >= q.From && m < q.To
	}
	return m >= q.From || m < q.To
}

// String is "22:00–08:00", or "" when none.
func (q QuietHours) String() string {
	if !q.Set() {
		return ""
	}
	return Clock(q.From) + "–" + Clock(q.To)
}

// Clock formats minutes after midnight as "08:05".
func Clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// ParseClock reads "08:05" as minutes after midnight.
func ParseClock(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

// QuietHours returns the account's quiet hours (none when never set).
func (s *Store) QuietHours(ctx context.Context, accountID int64) (_ QuietHours, err error) {
	defer errs.Wrap(&err, "calendar.Store.QuietHours(%d)", accountID)
	var q QuietHours
	err = db.Get(s.db.QueryRow(ctx, `SELECT from_minute, to_minute FROM calendar_quiet_hours WHERE account_id = ?`, accountID), &q.From, &q.To)
	if errors.Is(err, errs.NotFound) {
		return QuietHours{}, nil
	}
	return q, err
}

// SetQuietHours saves the account's quiet hours; From == To removes them.
func (s *Store) SetQuietHours(ctx context.Context, accountID int64, q QuietHours, now time.Time) (err error) {
	defer errs.Wrap(&err, "calendar.Store.SetQuietHours(%d)", accountID)
	for _, m := range []int{q.From, q.To} {
		if m < 0 || m >= 24*60 {
			return errs.FieldInvalid("quiet_from", "Enter times of day between 00:00 and 23:59.")
		}
	}
	if !q.Set() {
		_, err = s.db.Exec(ctx, `DELETE FROM calendar_quiet_hours WHERE account_id = ?`, accountID)
		return err
	}
	_, err = s.db.Exec(ctx, `INSERT INTO calendar_quiet_hours (account_id, from_minute, to_minute, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET from_minute = excluded.from_minute, to_minute = excluded.to_minute, updated_at = excluded.updated_at`,
		accountID, q.From, q.To, db.Micro(now))
	return err
}

// Proposal is a mass send the owner is about to schedule.
type Proposal struct {
	At     time.Time
	Target string // "all" (default) or "tag"
	TagID  int64
}

// Problem is something about a proposed send the owner should know before
// it is scheduled. A blocking problem means the send would be refused; the
// others are warnings the owner may accept.
type Problem struct {
	Kind     string // ProblemQuota, ProblemCap, ProblemQuiet (and the caller's own kinds)
	Message  string
	Blocking bool
	// Format and Args are what Message was written from, so that a page
	// can write it in its reader's language.
	Format string
	Args   []any
}

// MonthName is a month as a problem names it ("January 2006"); a page may
// write it in its own language.
type MonthName time.Time

func (m MonthName) String() string { return time.Time(m).Format("January 2006") }

// problem is a Problem whose message is format written with args.
func problem(kind string, blocking bool, format string, args ...any) Problem {
	return Problem{Kind: kind, Blocking: blocking, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// Kinds of Problem.
const (
	ProblemQuota   = "quota"   // the month would hold more mass sends than allowed
	ProblemCap     = "cap"     // some recipients already had their monthly sends
	ProblemQuiet   = "quiet"   // inside the account's quiet hours
	ProblemPenalty = "penalty" // a restriction in force (found by the caller)
)

// Check weighs a proposed send against the account's month as it stands
// after its sent and scheduled sends (see Check), the per-follower cap of
// Service accounts and the account's quiet hours. It returns the send's
// place in its month and the problems, blocking ones first.
func (s *Store) Check(ctx context.Context, a *account.Account, p Proposal) (_ Step, _ []Problem, err error) {
	defer errs.Wrap(&err, "calendar.Store.Check(%d)", a.ID)
	entries, m, r, err := s.Month(ctx, a, p.At)
	if err != nil {
		return Step{}, nil, err
	}
	sends := make([]Send, len(entries))
	for i, e := range entries {
		sends[i] = e.Send
	}
	cand := Send{At: p.At, Scheduled: true}
	if r.PerFollower > 0 {
		e := &Entry{Target: p.Target, TagID: p.TagID}
		if e.Target != "tag" {
			e.Target = "all"
		}
		if cand.Recipients, err = s.recipients(ctx, a.ID, e); err != nil {
			return Step{}, nil, err
		}
	}
	st := Check(r, sends, cand)
	loc := r.Location
	month := MonthName(p.At.In(loc))
	var problems []Problem
	if st.OverQuota {
		problems = append(problems, problem(ProblemQuota, true,
			"No mass sends left for %s: the account may mass-send %d times a month, and %d are already sent or scheduled.", month, r.PerMonth, m.Sent+m.Scheduled))
	}
	if st.AtCap > 0 {
		problems = append(problems, problem(ProblemCap, false,
			"%d of the %d followers it goes to will already have had %d mass sends in %s and will not receive it.", st.AtCap, len(cand.Recipients), r.PerFollower, month))
	}
	q, err := s.QuietHours(ctx, a.ID)
	if err != nil {
		return Step{}, nil, err
	}
	if q.Contains(p.At, loc) {
		problems = append(problems, problem(ProblemQuiet, false,
			"%s is inside the account's quiet hours (%s, %s): followers may be asleep.", p.At.In(loc).Format("15:04"), q.String(), a.Timezone))
	}
	return st, problems, nil
}

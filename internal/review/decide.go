package review

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/user"
)

// The three checks of a review, from the verification procedure.
const (
	CheckDocuments   = "documents"   // document review: authentic, matching, complete
	CheckInformation = "information" // account information: name, description, avatar represent the organisation
	CheckCompliance  = "compliance"  // the account complies with the terms and the law
)

// CheckNames lists the checks in the order a reviewer does them.
var CheckNames = []string{CheckDocuments, CheckInformation, CheckCompliance}

// CheckLabel names a check for people.
func CheckLabel(name string) string {
	switch name {
	case CheckDocuments:
		return "Document review"
	case CheckInformation:
		return "Account information verification"
	case CheckCompliance:
		return "Compliance check"
	}
	return name
}

// Check is one recorded check of a review round.
type Check struct {
	Name         string
	Passed       bool
	Note         string
	ReviewerName string
	At           time.Time
}

// Label names the check for people.
func (c Check) Label() string { return CheckLabel(c.Name) }

// QueueFilter narrows the review queue. Empty fields match all; State
// defaults to the applications waiting for a reviewer or in review.
type QueueFilter struct {
	State  string // one of the states, or "" for submitted and in review
	Region string
	Type   string
	Kind   string
	Name   string // part of the name
	Mine   int64  // only applications claimed by this reviewer
	Limit  int
}

// Queue lists applications for reviewers, oldest submission first.
func (s *Store) Queue(ctx context.Context, f QueueFilter) (_ []*Application, err error) {
	defer errs.Wrap(&err, "review.Store.Queue()")
	where := []string{}
	var args []any
	if f.State != "" {
		where = append(where, "ap.state = ?")
		args = append(args, f.State)
	} else {
		where = append(where, "ap.state IN ('submitted', 'in_review')")
	}
	for col, v := range map[string]string{"ap.region": f.Region, "ap.type": f.Type, "ap.kind": f.Kind} {
		if v != "" {
			where = append(where, col+" = ?")
			args = append(args, v)
		}
	}
	if v := strings.TrimSpace(f.Name); v != "" {
		where = append(where, s.db.Dialect().Like("ap.name")+` ESCAPE '\'`)
		args = append(args, "%"+db.EscapeLike(v)+"%")
	}
	if f.Mine != 0 {
		where = append(where, "ap.reviewer_id = ?")
		args = append(args, f.Mine)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	args = append(args, f.Limit)
	rows, err := s.db.Query(ctx, `SELECT `+appCols+appFrom+` WHERE `+strings.Join(where, " AND ")+`
		ORDER BY CASE WHEN ap.first_submitted_at = 0 THEN 1 ELSE 0 END, ap.first_submitted_at, ap.id LIMIT ?`, args...)
	return db.Collect(rows, err, func(r *sql.Rows) (*Application, error) { return scanApp(r) })
}

// Counts are the numbers the admin overview shows.
type Counts struct {
	Waiting, InReview, MoreInfo int
	OpenReports                 int
	PendingAppeals              int
	ActivePenalties             int
}

// Counts counts the work waiting for reviewers.
func (s *Store) Counts(ctx context.Context) (_ Counts, err error) {
	defer errs.Wrap(&err, "review.Store.Counts()")
	var c Counts
	now := db.Micro(s.now())
	err = s.db.QueryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM applications WHERE state = 'submitted'),
		(SELECT COUNT(*) FROM applications WHERE state = 'in_review'),
		(SELECT COUNT(*) FROM applications WHERE state = 'more_info'),
		(SELECT COUNT(*) FROM reports WHERE state = 'open'),
		(SELECT COUNT(*) FROM appeals WHERE state = 'pending'),
		(SELECT COUNT(*) FROM penalties WHERE state = 'active' AND (expires_at = 0 OR expires_at > ?))`, now).
		Scan(&c.Waiting, &c.InReview, &c.MoreInfo, &c.OpenReports, &c.PendingAppeals, &c.ActivePenalties)
	return c, err
}

// Checks returns the checks recorded in a round, in CheckNames order.
func (s *Store) Checks(ctx context.Context, appID int64, round int) (_ []Check, err error) {
	defer errs.Wrap(&err, "review.Store.Checks(%d, %d)", appID, round)
	rows, err := s.db.Query(ctx, `SELECT c.check_name, c.passed, c.note, p.username, c.at FROM review_checks c JOIN people p ON p.id = c.reviewer_id
		WHERE c.application_id = ? AND c.round = ?`, appID, round)
	got, err := db.Collect(rows, err, func(r *sql.Rows) (Check, error) {
		var c Check
		var at int64
		err := r.Scan(&c.Name, &c.Passed, &c.Note, &c.ReviewerName, &at)
		c.At = db.FromMicro(at)
		return c, err
	})
	if err != nil {
		return nil, err
	}
	out := make([]Check, 0, len(got))
	for _, n := range CheckNames {
		for _, c := range got {
			if c.Name == n {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// step runs one reviewer action on an application: it locks the row, asks
// the state machine, checks that the reviewer holds the claim (except for
// a claim), lets fn do the work and records the transition.
func (s *Store) step(ctx context.Context, p *user.Person, appID int64, action string, fn func(tx *db.Tx, a *Application, to string, now time.Time) (note string, err error)) error {
	if err := requireStaff(p); err != nil {
		return err
	}
	now := s.now()
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		a, err := lockApp(ctx, tx, appID)
		if err != nil {
			return err
		}
		to, err := Next(a.State, action)
		if err != nil {
			return err
		}
		switch action {
		case ActClaim:
			if a.PersonID == p.ID {
				return errs.Forbiddenf("You cannot review your own application.")
			}
		case ActRelease:
			if a.ReviewerID != p.ID && !p.IsAdmin() {
				return errs.Forbiddenf("Only %s, who claimed this application, or an administrator can put it back.", a.ReviewerName)
			}
		default:
			if a.ReviewerID != p.ID {
				return errs.Forbiddenf("%s has claimed this application; only they can review it.", a.ReviewerName)
			}
		}
		note, err := fn(tx, a, to, now)
		if err != nil {
			return err
		}
		if to == a.State {
			return nil
		}
		res, err := tx.Exec(ctx, `UPDATE applications SET state = ?, updated_at = ? WHERE id = ? AND state = ?`, to, db.Micro(now), appID, a.State)
		if err != nil {
			return err
		}
		if err := changed(res); err != nil {
			return err
		}
		return addEvent(ctx, tx, appID, now, p, action, a.State, to, note)
	})
}

// Claim takes a submitted application from the queue for review.
func (s *Store) Claim(ctx context.Context, p *user.Person, appID int64) (err error) {
	defer errs.Wrap(&err, "review.Store.Claim(%d, %d)", p.ID, appID)
	return s.step(ctx, p, appID, ActClaim, func(tx *db.Tx, a *Application, to string, now time.Time) (string, error) {
		if _, err := tx.Exec(ctx, `UPDATE applications SET reviewer_id = ? WHERE id = ?`, p.ID, appID); err != nil {
			return "", err
		}
		return "A reviewer started the review.", audit(ctx, tx, now, p, AuditClaim, a.AccountID, a.Name, "application", appID, phrase("Round %d", a.Round))
	})
}

// Release puts a claimed application back in the queue.
func (s *Store) Release(ctx context.Context, p *user.Person, appID int64) (err error) {
	defer errs.Wrap(&err, "review.Store.Release(%d, %d)", p.ID, appID)
	return s.step(ctx, p, appID, ActRelease, func(tx *db.Tx, a *Application, to string, now time.Time) (string, error) {
		if _, err := tx.Exec(ctx, `UPDATE applications SET reviewer_id = NULL WHERE id = ?`, appID); err != nil {
			return "", err
		}
		return "Back in the queue for another reviewer.", audit(ctx, tx, now, p, AuditRelease, a.AccountID, a.Name, "application", appID, errs.Phrase{})
	})
}

// RecordCheck records one of the three checks of the current round as
// passed or failed, with a note (required when it failed). Recording it
// again replaces the earlier answer.
func (s *Store) RecordCheck(ctx context.Context, p *user.Person, appID int64, check string, passed bool, note string) (err error) {
	defer errs.Wrap(&err, "review.Store.RecordCheck(%d, %d)", p.ID, appID)
	note = strings.TrimSpace(note)
	if !contains(CheckNames, check) {
		return errs.Invalidf("Unknown check %q.", check)
	}
	if !passed && note == "" {
		return errs.FieldInvalid("note_"+check, "Say what failed, so the decision can cite it.")
	}
	if utf8.RuneCountInString(note) > 2000 {
		return errs.FieldInvalid("note_"+check, "A note has at most 2000 characters.")
	}
	return s.step(ctx, p, appID, ActCheck, func(tx *db.Tx, a *Application, to string, now time.Time) (string, error) {
		_, err := tx.Exec(ctx, `INSERT INTO review_checks (application_id, round, check_name, passed, note, reviewer_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (application_id, round, check_name) DO UPDATE SET passed = excluded.passed, note = excluded.note,
			reviewer_id = excluded.reviewer_id, at = excluded.at`, appID, a.Round, check, passed, note, p.ID, db.Micro(now))
		if err != nil {
			return "", err
		}
		return "", audit(ctx, tx, now, p, AuditCheck, a.AccountID, a.Name, "application", appID, checkPhrase(check, passed, note))
	})
}

// Approve accepts an application whose three checks passed in this round.
// A registration activates the account, verifies it for the platform's
// validity period and issues its developer credentials (the AppSecret is
// generated later by the owner, who sees it once). A renewal extends the
// verification from its current end (or from now, after a lapse).
func (s *Store) Approve(ctx context.Context, p *user.Person, appID int64) (err error) {
	defer errs.Wrap(&err, "review.Store.Approve(%d, %d)", p.ID, appID)
	st, err := s.settings.Get(ctx)
	if err != nil {
		return err
	}
	return s.step(ctx, p, appID, ActApprove, func(tx *db.Tx, a *Application, to string, now time.Time) (string, error) {
		checks, err := checksIn(ctx, tx, appID, a.Round)
		if err != nil {
			return "", err
		}
		for _, n := range CheckNames {
			c, ok := checks[n]
			switch {
			case !ok:
				return "", errs.Conflictf("Record the %s first: all three checks must pass before approval.", strings.ToLower(CheckLabel(n)))
			case !c:
				return "", errs.Conflictf("The %s failed: reject the application or ask for more information.", strings.ToLower(CheckLabel(n)))
			}
		}
		var status string
		var verifiedUntil int64
		if err := db.Get(tx.QueryRow(ctx, `SELECT status, verified_until FROM accounts WHERE id = ?`+forUpdate(tx), a.AccountID), &status, &verifiedUntil); err != nil {
			return "", err
		}
		from := now
		if a.Kind == KindRenewal {
			if status != account.StatusActive {
				return "", errs.Conflictf("The account is %s; a renewal can only be approved for an active account.", status)
			}
			if vu := db.FromMicro(verifiedUntil); vu.After(now) {
				from = vu
			}
		} else if status != account.StatusPending {
			return "", errs.Conflictf("The account is %s, not pending.", status)
		}
		until := from.AddDate(0, 0, st.VerificationValidityDays)
		res, err := tx.Exec(ctx, `UPDATE accounts SET status = 'active', verified_until = ?, lapse_noted_at = 0, description = ?, organisation = ?,
			avatar_path = ?, updated_at = ? WHERE id = ? AND status = ?`, db.Micro(until), a.Description, a.Organisation, a.AvatarKey, db.Micro(now), a.AccountID, status)
		if err != nil {
			return "", err
		}
		if err := changed(res); err != nil {
			return "", err
		}
		if a.Kind == KindRegistration {
			if _, err := account.IssueCredentialsTx(ctx, tx, a.AccountID, db.Micro(now)); err != nil {
				return "", err
			}
			if _, err := tx.Exec(ctx, `UPDATE accounts SET secret_issued_at = 0 WHERE id = ?`, a.AccountID); err != nil {
				return "", err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE applications SET decided_at = ?, decision_note = '' WHERE id = ?`, db.Micro(now), appID); err != nil {
			return "", err
		}
		note := fmt.Sprintf("Approved. Verified until %s.", until.Format("2006-01-02"))
		return note, audit(ctx, tx, now, p, AuditApprove, a.AccountID, a.Name, "application", appID, approvePhrase(a.Kind, until))
	})
}

func checksIn(ctx context.Context, tx *db.Tx, appID int64, round int) (map[string]bool, error) {
	rows, err := tx.Query(ctx, `SELECT check_name, passed FROM review_checks WHERE application_id = ? AND round = ?`, appID, round)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		var ok bool
		if err := rows.Scan(&n, &ok); err != nil {
			return nil, err
		}
		out[n] = ok
	}
	return out, rows.Err()
}

func checkReason(reason, field string) (string, error) {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) < 10 {
		return "", errs.FieldInvalid(field, "Write at least 10 characters: the applicant reads this.")
	}
	if utf8.RuneCountInString(reason) > 2000 {
		return "", errs.FieldInvalid(field, "At most 2000 characters.")
	}
	return reason, nil
}

// Reject refuses the application with a reason the applicant sees. A
// rejected registration leaves the account rejected and frees its name.
func (s *Store) Reject(ctx context.Context, p *user.Person, appID int64, reason string) (err error) {
	defer errs.Wrap(&err, "review.Store.Reject(%d, %d)", p.ID, appID)
	reason, err = checkReason(reason, "reason")
	if err != nil {
		return err
	}
	return s.step(ctx, p, appID, ActReject, func(tx *db.Tx, a *Application, to string, now time.Time) (string, error) {
		if a.Kind == KindRegistration {
			// The name becomes free again: the unique key gets a private
			// value that no normalised name can equal.
			res, err := tx.Exec(ctx, `UPDATE accounts SET status = 'rejected', name_key = ?, updated_at = ? WHERE id = ? AND status = 'pending'`,
				fmt.Sprintf("#rejected:%d", a.AccountID), db.Micro(now), a.AccountID)
			if err != nil {
				return "", err
			}
			if err := changed(res); err != nil {
				return "", err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE applications SET decided_at = ?, decision_note = ? WHERE id = ?`, db.Micro(now), reason, appID); err != nil {
			return "", err
		}
		return "Rejected: " + reason, audit(ctx, tx, now, p, AuditReject, a.AccountID, a.Name, "application", appID, typedNote(reason))
	})
}

// AskMore sends the application back to the applicant, who amends it and
// submits again. The platform allows a limited number of rounds
// (settings.MaxReviewRounds): in the last one the reviewer must approve or
// reject.
func (s *Store) AskMore(ctx context.Context, p *user.Person, appID int64, request string) (err error) {
	defer errs.Wrap(&err, "review.Store.AskMore(%d, %d)", p.ID, appID)
	request, err = checkReason(request, "request")
	if err != nil {
		return err
	}
	st, err := s.settings.Get(ctx)
	if err != nil {
		return err
	}
	return s.step(ctx, p, appID, ActAskMore, func(tx *db.Tx, a *Application, to string, now time.Time) (string, error) {
		if a.Round >= st.MaxReviewRounds {
			return "", errs.Conflictf("This is review round %d of %d: no rounds are left, so approve or reject the application.", a.Round, st.MaxReviewRounds)
		}
		if _, err := tx.Exec(ctx, `UPDATE applications SET decision_note = ?, reviewer_id = NULL WHERE id = ?`, request, appID); err != nil {
			return "", err
		}
		return "More information needed: " + request, audit(ctx, tx, now, p, AuditAskMore, a.AccountID, a.Name, "application", appID, typedNote(request))
	})
}

// RoundsLeft returns how many more times a reviewer may ask for more
// information on an application.
func (s *Store) RoundsLeft(ctx context.Context, a *Application) (_ int, err error) {
	defer errs.Wrap(&err, "review.Store.RoundsLeft(%d, %d, %d)", a.ID, a.AccountID, a.PersonID)
	st, err := s.settings.Get(ctx)
	if err != nil {
		return 0, err
	}
	return max(0, st.MaxReviewRounds-a.Round), nil
}

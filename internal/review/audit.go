package review

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/user"
)

// Audit actions. Each review and moderation decision writes one entry in the
// same transaction as the decision.
const (
	AuditSubmit          = "application.submit"
	AuditClaim           = "application.claim"
	AuditRelease         = "application.release"
	AuditCheck           = "application.check"
	AuditApprove         = "application.approve"
	AuditReject          = "application.reject"
	AuditAskMore         = "application.ask_more"
	AuditSecretReset     = "credentials.reset"
	AuditReport          = "report.create"
	AuditReportDismiss   = "report.dismiss"
	AuditPenalty         = "penalty.apply"
	AuditPenaltyExpire   = "penalty.expire"
	AuditAppeal          = "appeal.create"
	AuditAppealGrant     = "appeal.grant"
	AuditAppealDeny      = "appeal.deny"
	AuditVerifyLapse     = "verification.lapse"
	AuditSettingsChanged = "settings.update"
)

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID          int64
	At          time.Time
	ActorID     int64
	ActorName   string
	Action      string
	AccountID   int64
	AccountName string
	SubjectType string
	SubjectID   int64
	Detail      string
}

// audit appends an entry. There is deliberately no function that updates or
// deletes entries; the database refuses both too (migration 0011).
func audit(ctx context.Context, q db.Querier, at time.Time, actor *user.Person, action string, accountID int64, accountName, subjectType string, subjectID int64, detail string) error {
	_, err := q.Exec(ctx, `INSERT INTO audit_log (id, at, actor_id, actor_name, action, account_id, account_name, subject_type, subject_id, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id.New(), db.Micro(at), personID(actor), personName(actor), action, accountID, accountName,
		subjectType, subjectID, detail)
	return err
}

// Audit appends an entry for a decision taken elsewhere (for example by the
// settings page). actor nil means the system.
func (s *Store) Audit(ctx context.Context, actor *user.Person, action string, accountID int64, detail string) (err error) {
	defer errs.Wrap(&err, "review.Store.Audit(%d, %d)", actor.ID, accountID)
	name := ""
	if accountID != 0 {
		_ = s.db.QueryRow(ctx, `SELECT name FROM accounts WHERE id = ?`, accountID).Scan(&name)
	}
	return audit(ctx, s.db, s.now(), actor, action, accountID, name, "", 0, detail)
}

// AuditFilter narrows a search of the audit log. Empty fields match all.
type AuditFilter struct {
	Actor   string    // username, or part of it
	Account string    // account id, or part of its name
	Action  string    // an action or a prefix such as "penalty."
	From    time.Time // inclusive
	To      time.Time // exclusive
	Before  int64     // page: entries with id below this
	Limit   int
}

// SearchAudit returns matching entries, newest first.
func (s *Store) SearchAudit(ctx context.Context, f AuditFilter) (_ []AuditEntry, err error) {
	defer errs.Wrap(&err, "review.Store.SearchAudit()")
	var where []string
	var args []any
	like := func(col, v string) {
		where = append(where, s.db.Dialect().Like(col)+` ESCAPE '\'`)
		args = append(args, "%"+db.EscapeLike(v)+"%")
	}
	if v := strings.TrimSpace(f.Actor); v != "" {
		like("actor_name", strings.ToLower(v))
	}
	if v := strings.TrimSpace(f.Account); v != "" {
		if n, ok := parseID(v); ok {
			where = append(where, "account_id = ?")
			args = append(args, n)
		} else {
			like("account_name", v)
		}
	}
	if v := strings.TrimSpace(f.Action); v != "" {
		where = append(where, `action LIKE ? ESCAPE '\'`)
		args = append(args, db.EscapeLike(v)+"%")
	}
	if !f.From.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, db.Micro(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "at < ?")
		args = append(args, db.Micro(f.To))
	}
	if f.Before > 0 {
		where = append(where, "id < ?")
		args = append(args, f.Before)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	q := `SELECT id, at, actor_id, actor_name, action, account_id, account_name, subject_type, subject_id, detail FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY at DESC, id DESC LIMIT ?"
	args = append(args, f.Limit)
	rows, err := s.db.Query(ctx, q, args...)
	return db.Collect(rows, err, func(r *sql.Rows) (AuditEntry, error) {
		var e AuditEntry
		var at int64
		err := r.Scan(&e.ID, &at, &e.ActorID, &e.ActorName, &e.Action, &e.AccountID, &e.AccountName, &e.SubjectType, &e.SubjectID, &e.Detail)
		e.At = db.FromMicro(at)
		return e, err
	})
}

func parseID(s string) (int64, bool) {
	var n int64
	if s == "" || len(s) > 19 {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int64(r-'0')
	}
	return n, true
}

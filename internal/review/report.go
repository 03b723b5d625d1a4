package review

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/user"
)

// Report targets.
const (
	TargetAccount = "account"
	TargetArticle = "article"
)

// Report sources.
const (
	SourceFollower = "follower"
	SourceKeyword  = "keyword" // flagged automatically by a keyword rule on publish
)

// Report states.
const (
	ReportOpen      = "open"
	ReportActioned  = "actioned"  // a penalty answered it
	ReportDismissed = "dismissed" // no violation found
)

// Reason is a reason a follower can give for a report.
type Reason struct{ Code, Label string }

// Reasons lists the report reasons a follower chooses from.
var Reasons = []Reason{
	{"spam", "Spam or advertising"},
	{"fraud", "Fraud or scam"},
	{"misleading", "False or misleading information"},
	{"harassment", "Harassment or hate"},
	{"illegal", "Illegal content"},
	{"infringement", "Copyright or trademark infringement"},
	{"impersonation", "Pretends to be someone else"},
	{"other", "Something else"},
}

// ReasonLabel names a reason code for people.
func ReasonLabel(code string) string {
	if code == "keyword" {
		return "Flagged keyword"
	}
	for _, r := range Reasons {
		if r.Code == code {
			return r.Label
		}
	}
	return code
}

// Limits on follower reports.
const (
	MaxReportsPerDay = 20
	maxDetails       = 2000
	maxSnapshot      = 500
)

// Report is a report in the moderation queue.
type Report struct {
	ID           int64
	ReporterID   int64
	ReporterName string
	Source       string
	TargetType   string
	TargetID     int64
	AccountID    int64
	AccountName  string
	Reason       string
	Details      string
	Snapshot     string
	State        string
	HandledBy    string
	HandledAt    time.Time
	Resolution   string
	CreatedAt    time.Time
}

// ReasonLabel names the report's reason for people.
func (r *Report) ReasonLabel() string { return ReasonLabel(r.Reason) }

// NewReport is what a follower reports.
type NewReport struct {
	TargetType string // TargetAccount or TargetArticle
	TargetID   int64
	AccountID  int64  // for an article: its account, when known
	Reason     string // a Reasons code
	Details    string
	Snapshot   string // for an article: its title as the reporter saw it
}

// CreateReport files a follower's report in the moderation queue. A person
// can have one open report per target, and MaxReportsPerDay a day.
func (s *Store) CreateReport(ctx context.Context, p *user.Person, in NewReport) (_ *Report, err error) {
	defer errs.Wrap(&err, "review.Store.CreateReport()")
	if p == nil {
		return nil, errs.Unauthorized
	}
	in.Details, in.Snapshot = strings.TrimSpace(in.Details), strings.TrimSpace(in.Snapshot)
	switch in.TargetType {
	case TargetAccount:
		in.AccountID = in.TargetID
	case TargetArticle:
	default:
		return nil, errs.Invalidf("You can report an account or an article.")
	}
	if in.TargetID <= 0 {
		return nil, errs.Invalidf("Say which %s you are reporting.", in.TargetType)
	}
	known := false
	for _, r := range Reasons {
		known = known || r.Code == in.Reason
	}
	if !known {
		return nil, errs.FieldInvalid("reason", "Choose a reason.")
	}
	if in.Reason == "other" && utf8.RuneCountInString(in.Details) < 10 {
		return nil, errs.FieldInvalid("details", "Tell the reviewers what is wrong (at least 10 characters).")
	}
	if utf8.RuneCountInString(in.Details) > maxDetails {
		return nil, errs.FieldInvalid("details", "At most %d characters.", maxDetails)
	}
	if utf8.RuneCountInString(in.Snapshot) > maxSnapshot {
		in.Snapshot = string([]rune(in.Snapshot)[:maxSnapshot])
	}
	if in.AccountID != 0 {
		a, err := s.accounts.ByID(ctx, in.AccountID)
		if errors.Is(err, errs.NotFound) || (err == nil && a.Status != account.StatusActive && a.Status != account.StatusSuspended) {
			return nil, errs.NotFoundf("No such account.")
		}
		if err != nil {
			return nil, err
		}
		if in.TargetType == TargetAccount {
			in.Snapshot = a.Name
		}
	}
	now := s.now()
	rid := id.New()
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var open, today int
		err := tx.QueryRow(ctx, `SELECT
			COUNT(CASE WHEN target_type = ? AND target_id = ? AND state = 'open' THEN 1 END),
			COUNT(CASE WHEN created_at > ? THEN 1 END)
			FROM reports WHERE reporter_id = ?`, in.TargetType, in.TargetID, db.Micro(now.Add(-24*time.Hour)), p.ID).Scan(&open, &today)
		if err != nil {
			return err
		}
		if open > 0 {
			return errs.Conflictf("You already reported this %s; the reviewers have your report.", in.TargetType)
		}
		if today >= MaxReportsPerDay {
			return errs.TooManyf("You have sent %d reports today. Try again tomorrow.", today)
		}
		_, err = tx.Exec(ctx, `INSERT INTO reports (id, reporter_id, source, target_type, target_id, account_id, reason, details, snapshot, state, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, rid, p.ID, SourceFollower, in.TargetType, in.TargetID, nullID(in.AccountID),
			in.Reason, in.Details, in.Snapshot, ReportOpen, db.Micro(now))
		if err != nil {
			return err
		}
		return audit(ctx, tx, now, p, AuditReport, in.AccountID, accountNameSnapshot(in), "report", rid,
			reportPhrase(in.TargetType, in.TargetID, in.Reason))
	})
	if err != nil {
		return nil, err
	}
	return s.Report(ctx, rid)
}

func accountNameSnapshot(in NewReport) string {
	if in.TargetType == TargetAccount {
		return in.Snapshot
	}
	return ""
}

// FlagContent checks a publication against the platform's flagged keywords
// (case-insensitive) and, when any match, files a keyword report for the
// reviewers. It returns the keywords found. Publishing calls it on publish;
// it never blocks the publication itself.
func (s *Store) FlagContent(ctx context.Context, accountID, articleID int64, title, body string) (_ []string, err error) {
	defer errs.Wrap(&err, "review.Store.FlagContent(%d, %d)", accountID, articleID)
	st, err := s.settings.Get(ctx)
	if err != nil {
		return nil, err
	}
	text := strings.ToLower(title + "\n" + body)
	var found []string
	for _, k := range st.FlaggedKeywords {
		k = strings.TrimSpace(k)
		if k != "" && strings.Contains(text, strings.ToLower(k)) {
			found = append(found, k)
		}
	}
	if len(found) == 0 {
		return nil, nil
	}
	snapshot := title
	if utf8.RuneCountInString(snapshot) > maxSnapshot {
		snapshot = string([]rune(snapshot)[:maxSnapshot])
	}
	now := s.now()
	rid := id.New()
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM reports WHERE source = 'keyword' AND target_type = 'article' AND target_id = ? AND state = 'open'`,
			articleID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil // already waiting for a reviewer
		}
		var name string
		_ = tx.QueryRow(ctx, `SELECT name FROM accounts WHERE id = ?`, accountID).Scan(&name)
		_, err := tx.Exec(ctx, `INSERT INTO reports (id, source, target_type, target_id, account_id, reason, details, snapshot, state, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, rid, SourceKeyword, TargetArticle, articleID, nullID(accountID), "keyword",
			"Flagged keywords: "+strings.Join(found, ", "), snapshot, ReportOpen, db.Micro(now))
		if err != nil {
			return err
		}
		return audit(ctx, tx, now, nil, AuditReport, accountID, name, "report", rid, phrase("Article %d flagged: %s", articleID, errs.Content(strings.Join(found, ", "))))
	})
	return found, err
}

const reportCols = `r.id, COALESCE(r.reporter_id, 0), COALESCE(rp.username, ''), r.source, r.target_type, r.target_id, COALESCE(r.account_id, 0),
	COALESCE(a.name, ''), r.reason, r.details, r.snapshot, r.state, COALESCE(h.username, ''), r.handled_at, r.resolution, r.created_at`

const reportFrom = ` FROM reports r LEFT JOIN people rp ON rp.id = r.reporter_id LEFT JOIN accounts a ON a.id = r.account_id
	LEFT JOIN people h ON h.id = r.handled_by`

func scanReport(sc interface{ Scan(...any) error }) (*Report, error) {
	var r Report
	var handled, created int64
	err := sc.Scan(&r.ID, &r.ReporterID, &r.ReporterName, &r.Source, &r.TargetType, &r.TargetID, &r.AccountID, &r.AccountName,
		&r.Reason, &r.Details, &r.Snapshot, &r.State, &r.HandledBy, &handled, &r.Resolution, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("No such report.")
	}
	r.HandledAt, r.CreatedAt = db.FromMicro(handled), db.FromMicro(created)
	return &r, err
}

// Report returns one report.
func (s *Store) Report(ctx context.Context, reportID int64) (_ *Report, err error) {
	defer errs.Wrap(&err, "review.Store.Report(%d)", reportID)
	return scanReport(s.db.QueryRow(ctx, `SELECT `+reportCols+reportFrom+` WHERE r.id = ?`, reportID))
}

// Reports lists reports in a state ("" for open), oldest first for open
// ones, newest first otherwise.
func (s *Store) Reports(ctx context.Context, state string, limit int) (_ []*Report, err error) {
	defer errs.Wrap(&err, "review.Store.Reports(%d)", limit)
	if state == "" {
		state = ReportOpen
	}
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	order := "r.created_at DESC, r.id DESC"
	if state == ReportOpen {
		order = "r.created_at, r.id"
	}
	rows, err := s.db.Query(ctx, `SELECT `+reportCols+reportFrom+` WHERE r.state = ? ORDER BY `+order+` LIMIT ?`, state, limit)
	return db.Collect(rows, err, func(r *sql.Rows) (*Report, error) { return scanReport(r) })
}

// DismissReport closes an open report without a penalty, with a note.
func (s *Store) DismissReport(ctx context.Context, p *user.Person, reportID int64, note string) (err error) {
	defer errs.Wrap(&err, "review.Store.DismissReport(%d, %d)", p.ID, reportID)
	if err := requireStaff(p); err != nil {
		return err
	}
	note = strings.TrimSpace(note)
	if n := utf8.RuneCountInString(note); n < 3 || n > 2000 {
		return errs.FieldInvalid("note", "Say why no violation was found (3 to 2000 characters).")
	}
	now := s.now()
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		r, err := scanReport(tx.QueryRow(ctx, `SELECT `+reportCols+reportFrom+` WHERE r.id = ?`+forUpdateOf(tx, "r"), reportID))
		if err != nil {
			return err
		}
		if r.State != ReportOpen {
			return errs.Conflictf("This report was already handled (%s).", errs.Text(r.State))
		}
		res, err := tx.Exec(ctx, `UPDATE reports SET state = 'dismissed', handled_by = ?, handled_at = ?, resolution = ? WHERE id = ? AND state = 'open'`,
			p.ID, db.Micro(now), note, reportID)
		if err != nil {
			return err
		}
		if err := changed(res); err != nil {
			return err
		}
		return audit(ctx, tx, now, p, AuditReportDismiss, r.AccountID, r.AccountName, "report", reportID, typedNote(note))
	})
}

package review

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
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
	// Detail is the entry's detail in English: as it was written for an
	// entry stored as prose, Phrase written in English otherwise.
	Detail string
	// Phrase is the detail's format and values, written in the reader's
	// language by the admin; no Format for an entry stored as prose (shown
	// as written, in English).
	Phrase errs.Phrase
}

// audit appends an entry. There is deliberately no function that updates or
// deletes entries; the database refuses both too (migration 0011).
func audit(ctx context.Context, q db.Querier, at time.Time, actor *user.Person, action string, accountID int64, accountName, subjectType string, subjectID int64, detail errs.Phrase) error {
	_, err := q.Exec(ctx, `INSERT INTO audit_log (id, at, actor_id, actor_name, action, account_id, account_name, subject_type, subject_id, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id.New(), db.Micro(at), personID(actor), personName(actor), action, accountID, accountName,
		subjectType, subjectID, encodeDetail(detail))
	return err
}

// Audit appends an entry for a decision taken elsewhere (for example by the
// settings page). actor nil means the system. The detail is a format of
// the catalogue and its values; what a person typed goes in as errs.Content
// or errs.Quote.
func (s *Store) Audit(ctx context.Context, actor *user.Person, action string, accountID int64, detail errs.Phrase) (err error) {
	defer errs.Wrap(&err, "review.Store.Audit(%d, %d)", personID(actor), accountID)
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
		if p, ok := decodeDetail(e.Detail); ok {
			e.Phrase, e.Detail = p, p.String()
		}
		return e, err
	})
}

// An entry's detail is stored as a phrase: a format of the catalogue
// (admin.json) and its values, as JSON in the detail column, so that the
// audit log is written in the reader's language. What a person typed (a
// reason, a note, a rule, a title) is an errs.Content or errs.Quote value,
// shown as written. Entries written before phrases hold English prose.
type storedPhrase struct {
	Phrase string            `json:"phrase"`
	Args   []json.RawMessage `json:"args,omitempty"`
}

// phrasePrefix starts every detail stored as a phrase.
const phrasePrefix = `{"phrase":`

// encodeDetail writes p for the detail column; a phrase without a format
// is no detail.
func encodeDetail(p errs.Phrase) string {
	if p.Format == "" {
		return ""
	}
	b, _ := json.Marshal(phraseJSON(p))
	return string(b)
}

func phraseJSON(p errs.Phrase) storedPhrase {
	sp := storedPhrase{Phrase: p.Format}
	for _, a := range p.Args {
		var v any
		switch x := a.(type) {
		case errs.Text:
			v = map[string]string{"text": string(x)}
		case errs.Content:
			v = map[string]string{"content": string(x)}
		case errs.Quote:
			v = map[string]string{"quote": string(x)}
		case errs.Moment:
			v = map[string]string{"moment": time.Time(x).UTC().Format(time.RFC3339Nano)}
		case errs.Phrase:
			v = phraseJSON(x)
		case int:
			v = x
		case int64:
			v = x
		case string:
			v = x
		default:
			v = fmt.Sprint(x)
		}
		b, _ := json.Marshal(v)
		sp.Args = append(sp.Args, b)
	}
	return sp
}

// decodeDetail reads a detail stored by encodeDetail; ok is false for a
// detail stored as prose.
func decodeDetail(s string) (p errs.Phrase, ok bool) {
	if !strings.HasPrefix(s, phrasePrefix) {
		return p, false
	}
	var sp storedPhrase
	if json.Unmarshal([]byte(s), &sp) != nil || sp.Phrase == "" {
		return p, false
	}
	return phraseFrom(sp)
}

func phraseFrom(sp storedPhrase) (errs.Phrase, bool) {
	p := errs.Phrase{Format: sp.Phrase}
	for _, raw := range sp.Args {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var v any
		if d.Decode(&v) != nil {
			return errs.Phrase{}, false
		}
		switch x := v.(type) {
		case string:
			p.Args = append(p.Args, x)
		case json.Number:
			if n, err := x.Int64(); err == nil {
				p.Args = append(p.Args, n)
			} else {
				p.Args = append(p.Args, x.String())
			}
		case map[string]any:
			if _, nested := x["phrase"]; nested {
				var inner storedPhrase
				if json.Unmarshal(raw, &inner) != nil {
					return errs.Phrase{}, false
				}
				q, ok := phraseFrom(inner)
				if !ok {
					return errs.Phrase{}, false
				}
				p.Args = append(p.Args, q)
				continue
			}
			switch {
			case x["text"] != nil:
				p.Args = append(p.Args, errs.Text(fmt.Sprint(x["text"])))
			case x["content"] != nil:
				p.Args = append(p.Args, errs.Content(fmt.Sprint(x["content"])))
			case x["quote"] != nil:
				p.Args = append(p.Args, errs.Quote(fmt.Sprint(x["quote"])))
			case x["moment"] != nil:
				t, err := time.Parse(time.RFC3339Nano, fmt.Sprint(x["moment"]))
				if err != nil {
					return errs.Phrase{}, false
				}
				p.Args = append(p.Args, errs.Moment(t))
			default:
				return errs.Phrase{}, false
			}
		default:
			p.Args = append(p.Args, fmt.Sprint(x))
		}
	}
	return p, true
}

// typedNote is a phrase of one value a person typed, shown as written; empty
// text is no detail.
func typedNote(s string) errs.Phrase {
	if strings.TrimSpace(s) == "" {
		return errs.Phrase{}
	}
	return errs.Phrase{Format: "%s", Args: []any{errs.Content(s)}}
}

// phrase is a detail's format and values.
func phrase(format string, args ...any) errs.Phrase { return errs.Phrase{Format: format, Args: args} }

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

// The details of the review's own entries, as phrases.

func submitPhrase(kind string, round int) errs.Phrase {
	if kind == KindRenewal {
		return phrase("Renewal application, round %d", round)
	}
	return phrase("Registration application, round %d", round)
}

func approvePhrase(kind string, until time.Time) errs.Phrase {
	date := errs.Content(until.Format("2006-01-02"))
	if kind == KindRenewal {
		return phrase("Renewal approved, verified until %s", date)
	}
	return phrase("Registration approved, verified until %s", date)
}

func checkPhrase(check string, passed bool, note string) errs.Phrase {
	label := errs.Text(CheckLabel(check))
	switch {
	case passed && strings.TrimSpace(note) == "":
		return phrase("%s: passed.", label)
	case passed:
		return phrase("%s: passed. Note: %s", label, errs.Content(note))
	case strings.TrimSpace(note) == "":
		return phrase("%s: failed.", label)
	}
	return phrase("%s: failed. Note: %s", label, errs.Content(note))
}

func reportPhrase(targetType string, targetID int64, reason string) errs.Phrase {
	why := errs.Text(ReasonLabel(reason))
	switch targetType {
	case TargetAccount:
		return phrase("Account %d: %s", targetID, why)
	case TargetArticle:
		return phrase("Article %d: %s", targetID, why)
	}
	return phrase("%s %d: %s", errs.Content(targetType), targetID, why)
}

// kindText names a penalty's kind (and restricted feature) as a text of
// the catalogue.
func kindText(kind, feature string) any {
	if kind == Restrict {
		return phrase("Restricted: %s", errs.Text(FeatureLabel(feature)))
	}
	return errs.Text(KindLabel(kind, feature))
}

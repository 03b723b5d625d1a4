package review

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/user"
)

// Penalty is a sanction on an account.
type Penalty struct {
	ID           int64
	AccountID    int64
	AccountName  string
	Kind         string
	Feature      string // for Restrict
	ArticleID    int64  // for Takedown
	Rule         string
	Evidence     string
	ReportID     int64
	ReviewerID   int64
	ReviewerName string
	State        string
	CreatedAt    time.Time
	ExpiresAt    time.Time // zero: does not expire
	EndedAt      time.Time

	Appeal *Appeal // nil when not appealed
}

// InForce reports whether the penalty applies at t: active and not past
// its expiry. Reads use this, so an expired penalty never blocks even
// before the background job records the expiry.
func (p *Penalty) InForce(t time.Time) bool {
	return p.State == PenaltyActive && (p.ExpiresAt.IsZero() || t.Before(p.ExpiresAt))
}

// Blocks reports whether the penalty, when in force, blocks feature.
func (p *Penalty) Blocks(feature string) bool {
	switch p.Kind {
	case Suspend, Terminate:
		return true
	case Restrict:
		return p.Feature == feature
	}
	return false
}

// Appealable reports whether the owner may still appeal it.
func (p *Penalty) Appealable() bool {
	_, err := penaltyNext(p.State, penAppeal)
	return p.Appeal == nil && err == nil
}

// KindLabel names the penalty for people.
func (p *Penalty) KindLabel() string { return KindLabel(p.Kind, p.Feature) }

// KindLabel names a penalty kind (and restricted feature) for people.
func KindLabel(kind, feature string) string {
	switch kind {
	case Warning:
		return "Warning"
	case Takedown:
		return "Article taken down"
	case Restrict:
		return "Restricted: " + FeatureLabel(feature)
	case Suspend:
		return "Suspension"
	case Terminate:
		return "Termination"
	}
	return kind
}

// FeatureLabel names a feature for people.
func FeatureLabel(f string) string {
	switch f {
	case FeaturePublishing:
		return "publishing"
	case FeatureMassSend:
		return "mass send"
	case FeatureMessaging:
		return "messaging followers"
	case FeatureComments:
		return "comments"
	case FeatureAPI:
		return "developer API"
	}
	return f
}

// Message explains to a member of the account why something is blocked,
// in English: the Sentence, then the rule broken in quotes.
func (p *Penalty) Message() string {
	f, args := p.Sentence()
	return fmt.Sprintf(ruleQuoted, errs.Phrase{Format: f, Args: args}, errs.Quote(p.Rule))
}

// ruleQuoted puts the rule, as the reviewer wrote it (an errs.Quote),
// after the sentence.
const ruleQuoted = "%s %s"

// restrictedUntil and restrictedForever say that a feature is restricted,
// one whole sentence per feature so that each reads well in every
// language; the rule broken follows.
var (
	restrictedUntil = map[string]string{
		FeaturePublishing: "Publishing is restricted for this account until %s. Rule broken:",
		FeatureMassSend:   "Mass sending is restricted for this account until %s. Rule broken:",
		FeatureMessaging:  "Messaging followers is restricted for this account until %s. Rule broken:",
		FeatureComments:   "Comments are restricted for this account until %s. Rule broken:",
		FeatureAPI:        "The developer API is restricted for this account until %s. Rule broken:",
	}
	restrictedForever = map[string]string{
		FeaturePublishing: "Publishing is restricted for this account permanently. Rule broken:",
		FeatureMassSend:   "Mass sending is restricted for this account permanently. Rule broken:",
		FeatureMessaging:  "Messaging followers is restricted for this account permanently. Rule broken:",
		FeatureComments:   "Comments are restricted for this account permanently. Rule broken:",
		FeatureAPI:        "The developer API is restricted for this account permanently. Rule broken:",
	}
)

// Sentence is what the penalty does, without the rule: a format of the
// message catalogue and its values (the end as an errs.Moment, a label as
// an errs.Text), for a face to write in the reader's language and zone.
// The rule, free text in the reviewer's words, is shown after it as
// written.
func (p *Penalty) Sentence() (string, []any) {
	forever := p.ExpiresAt.IsZero()
	until := errs.Moment(p.ExpiresAt)
	switch p.Kind {
	case Terminate:
		return "This account was terminated. Rule broken:", nil
	case Suspend:
		if forever {
			return "This account is suspended permanently. Rule broken:", nil
		}
		return "This account is suspended until %s. Rule broken:", []any{until}
	case Restrict:
		if f, ok := restrictedForever[p.Feature]; ok && forever {
			return f, nil
		}
		if f, ok := restrictedUntil[p.Feature]; ok && !forever {
			return f, []any{until}
		}
	}
	return "%s. Rule broken:", []any{errs.Text(p.KindLabel())}
}

// Err is the domain error (kind forbidden) for an action the penalty
// blocks: the Sentence, then the rule in quotes.
func (p *Penalty) Err() error {
	f, args := p.Sentence()
	return errs.Forbiddenf(ruleQuoted, errs.Phrase{Format: f, Args: args}, errs.Quote(p.Rule))
}

// WeChat errcodes for a blocked developer-API call.
const (
	ErrcodeFrozen    = 50007 // suspended or terminated: "account frozen"
	ErrcodeAPIBanned = 48004 // a restriction blocks the feature behind this API: "api banned"
)

// Errcode returns the WeChat errcode and errmsg prefix a developer-API call
// should answer when this penalty blocks it.
func (p *Penalty) Errcode() (int, string) {
	if p.Kind == Suspend || p.Kind == Terminate {
		return ErrcodeFrozen, "account frozen"
	}
	return ErrcodeAPIBanned, "api banned"
}

// Appeal is an account's request to overturn a penalty.
type Appeal struct {
	ID           int64
	PenaltyID    int64
	AccountID    int64
	AccountName  string
	PersonID     int64
	PersonName   string
	Statement    string
	State        string
	DecidedBy    int64
	DeciderName  string
	DecisionNote string
	CreatedAt    time.Time
	DecidedAt    time.Time
}

const penaltyCols = `pn.id, pn.account_id, a.name, pn.kind, pn.feature, pn.article_id, pn.rule, pn.evidence, COALESCE(pn.report_id, 0),
	pn.reviewer_id, rv.username, pn.state, pn.created_at, pn.expires_at, pn.ended_at,
	COALESCE(ap.id, 0), COALESCE(ap.person_id, 0), COALESCE(apl.username, ''), COALESCE(ap.statement, ''), COALESCE(ap.state, ''),
	COALESCE(ap.decided_by, 0), COALESCE(dc.username, ''), COALESCE(ap.decision_note, ''), COALESCE(ap.created_at, 0), COALESCE(ap.decided_at, 0)`

const penaltyFrom = ` FROM penalties pn JOIN accounts a ON a.id = pn.account_id JOIN people rv ON rv.id = pn.reviewer_id
	LEFT JOIN appeals ap ON ap.penalty_id = pn.id LEFT JOIN people apl ON apl.id = ap.person_id LEFT JOIN people dc ON dc.id = ap.decided_by`

func scanPenalty(sc interface{ Scan(...any) error }) (*Penalty, error) {
	var p Penalty
	var ap Appeal
	var cr, ex, en, acr, adec int64
	err := sc.Scan(&p.ID, &p.AccountID, &p.AccountName, &p.Kind, &p.Feature, &p.ArticleID, &p.Rule, &p.Evidence, &p.ReportID,
		&p.ReviewerID, &p.ReviewerName, &p.State, &cr, &ex, &en,
		&ap.ID, &ap.PersonID, &ap.PersonName, &ap.Statement, &ap.State, &ap.DecidedBy, &ap.DeciderName, &ap.DecisionNote, &acr, &adec)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("No such penalty.")
	}
	if err != nil {
		return nil, err
	}
	p.CreatedAt, p.ExpiresAt, p.EndedAt = db.FromMicro(cr), db.FromMicro(ex), db.FromMicro(en)
	if ap.ID != 0 {
		ap.PenaltyID, ap.AccountID, ap.AccountName = p.ID, p.AccountID, p.AccountName
		ap.CreatedAt, ap.DecidedAt = db.FromMicro(acr), db.FromMicro(adec)
		p.Appeal = &ap
	}
	return &p, nil
}

// Penalty returns one penalty with its appeal.
func (s *Store) Penalty(ctx context.Context, penaltyID int64) (_ *Penalty, err error) {
	defer errs.Wrap(&err, "review.Store.Penalty(%d)", penaltyID)
	return scanPenalty(s.db.QueryRow(ctx, `SELECT `+penaltyCols+penaltyFrom+` WHERE pn.id = ?`, penaltyID))
}

// PenaltiesFor returns an account's violation record, newest first.
func (s *Store) PenaltiesFor(ctx context.Context, accountID int64) (_ []*Penalty, err error) {
	defer errs.Wrap(&err, "review.Store.PenaltiesFor(%d)", accountID)
	rows, err := s.db.Query(ctx, `SELECT `+penaltyCols+penaltyFrom+` WHERE pn.account_id = ? ORDER BY pn.created_at DESC, pn.id DESC`, accountID)
	return db.Collect(rows, err, func(r *sql.Rows) (*Penalty, error) { return scanPenalty(r) })
}

// PenaltyFilter narrows the list of penalties.
type PenaltyFilter struct {
	ActiveOnly bool
	AccountID  int64
	Limit      int
}

// Penalties lists penalties for reviewers, newest first.
func (s *Store) Penalties(ctx context.Context, f PenaltyFilter) (_ []*Penalty, err error) {
	defer errs.Wrap(&err, "review.Store.Penalties()")
	q := `SELECT ` + penaltyCols + penaltyFrom + ` WHERE 1 = 1`
	var args []any
	if f.ActiveOnly {
		q += ` AND pn.state = 'active' AND (pn.expires_at = 0 OR pn.expires_at > ?)`
		args = append(args, db.Micro(s.now()))
	}
	if f.AccountID != 0 {
		q += ` AND pn.account_id = ?`
		args = append(args, f.AccountID)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	q += ` ORDER BY pn.created_at DESC, pn.id DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := s.db.Query(ctx, q, args...)
	return db.Collect(rows, err, func(r *sql.Rows) (*Penalty, error) { return scanPenalty(r) })
}

// inForce returns the account's penalties in force at now that block
// feature ("" for any suspension or termination), most severe first.
func (s *Store) inForce(ctx context.Context, q db.Querier, accountID int64, feature string, now time.Time) (*Penalty, error) {
	rows, err := q.Query(ctx, `SELECT `+penaltyCols+penaltyFrom+`
		WHERE pn.account_id = ? AND pn.state = 'active' AND (pn.expires_at = 0 OR pn.expires_at > ?)
		AND (pn.kind IN ('suspend', 'terminate') OR (pn.kind = 'restrict' AND pn.feature = ?))
		ORDER BY CASE pn.kind WHEN 'terminate' THEN 0 WHEN 'suspend' THEN 1 ELSE 2 END, pn.expires_at DESC`, accountID, db.Micro(now), feature)
	list, err := db.Collect(rows, err, func(r *sql.Rows) (*Penalty, error) { return scanPenalty(r) })
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// Restricted returns the penalty that blocks feature for the account now,
// or nil when the account may use it. A suspension or termination blocks
// every feature (FeatureAPI included); a restriction blocks its feature.
// Expiry is judged against the clock, so an expired penalty never blocks.
func (s *Store) Restricted(ctx context.Context, accountID int64, feature string) (_ *Penalty, err error) {
	defer errs.Wrap(&err, "review.Store.Restricted(%d)", accountID)
	return s.inForce(ctx, s.db, accountID, feature, s.now())
}

// Frozen returns the suspension or termination in force for the account,
// or nil. Use it to refuse developer-API calls (see Penalty.Errcode).
func (s *Store) Frozen(ctx context.Context, accountID int64) (_ *Penalty, err error) {
	defer errs.Wrap(&err, "review.Store.Frozen(%d)", accountID)
	return s.inForce(ctx, s.db, accountID, "", s.now())
}

// FrozenCode returns the WeChat errcode a developer-API call of the account
// must answer now because of a penalty (ErrcodeFrozen for a suspension or
// termination), or 0. It fits wxapi.FrozenFunc.
func (s *Store) FrozenCode(ctx context.Context, accountID int64) (_ int, err error) {
	defer errs.Wrap(&err, "review.Store.FrozenCode(%d)", accountID)
	p, err := s.Frozen(ctx, accountID)
	if err != nil || p == nil {
		return 0, err
	}
	code, _ := p.Errcode()
	return code, nil
}

// CheckAllowed returns nil when the account may use feature now, else a
// forbidden error whose message says which penalty blocks it and until when.
func (s *Store) CheckAllowed(ctx context.Context, accountID int64, feature string) (err error) {
	defer errs.Wrap(&err, "review.Store.CheckAllowed(%d)", accountID)
	p, err := s.Restricted(ctx, accountID, feature)
	if err != nil {
		return err
	}
	if p != nil {
		return p.Err()
	}
	return nil
}

// CheckAllowedAt is CheckAllowed for a moment ahead (a scheduled send): a
// penalty that ends before at does not refuse; one in force then does.
// A moment in the past is judged as now.
func (s *Store) CheckAllowedAt(ctx context.Context, accountID int64, feature string, at time.Time) (err error) {
	defer errs.Wrap(&err, "review.Store.CheckAllowedAt(%d)", accountID)
	if now := s.now(); at.Before(now) {
		at = now
	}
	p, err := s.inForce(ctx, s.db, accountID, feature, at)
	if err != nil {
		return err
	}
	if p != nil {
		return p.Err()
	}
	return nil
}

// TakenDown reports whether a penalty took the article down (and was not
// overturned on appeal). A database error counts as taken down, so a
// failure never shows an article that may be banned.
func (s *Store) TakenDown(ctx context.Context, articleID int64) bool {
	var down bool
	err := s.db.QueryRow(ctx, `SELECT `+TakenDownSQL, articleID).Scan(&down)
	return err != nil || down
}

// TakenDownSQL is TakenDown as an SQL condition on the article whose id is
// bound to its one parameter, for a statement that reads the article
// anyway (the reading page's).
const TakenDownSQL = `EXISTS (SELECT 1 FROM penalties WHERE article_id = ? AND kind = 'takedown' AND state = 'active')`

// NewPenalty is the input of ApplyPenalty.
type NewPenalty struct {
	AccountID int64
	Kind      string
	Feature   string // Restrict: which feature
	ArticleID int64  // Takedown: which article
	Days      int    // Restrict and Suspend: how long
	Rule      string // the rule broken
	Evidence  string // what shows it
	ReportID  int64  // the report it answers, if any (marked actioned)
}

// MaxPenaltyDays bounds restrictions and suspensions.
const MaxPenaltyDays = 365

func (in *NewPenalty) check() error {
	in.Rule, in.Evidence = strings.TrimSpace(in.Rule), strings.TrimSpace(in.Evidence)
	if !contains(Ladder, in.Kind) {
		return errs.FieldInvalid("kind", "Choose a penalty from the ladder.")
	}
	if in.Kind == Restrict {
		if !contains(RestrictableFeatures, in.Feature) {
			return errs.FieldInvalid("feature", "Choose the feature to restrict: publishing, mass send, messaging or comments.")
		}
	} else {
		in.Feature = ""
	}
	if in.Kind == Takedown {
		if in.ArticleID <= 0 {
			return errs.FieldInvalid("article_id", "Enter the id of the article to take down.")
		}
	} else {
		in.ArticleID = 0
	}
	if in.Kind == Restrict || in.Kind == Suspend {
		if in.Days < 1 || in.Days > MaxPenaltyDays {
			return errs.FieldInvalid("days", "Between 1 and %d days.", MaxPenaltyDays)
		}
	} else {
		in.Days = 0
	}
	if n := utf8.RuneCountInString(in.Rule); n < 3 || n > 200 {
		return errs.FieldInvalid("rule", "Name the rule that was broken (3 to 200 characters).")
	}
	if n := utf8.RuneCountInString(in.Evidence); n < 10 || n > 4000 {
		return errs.FieldInvalid("evidence", "Describe the evidence (10 to 4000 characters): the account's owner reads it.")
	}
	return nil
}

// ApplyPenalty records a penalty and applies its effect: a suspension or
// termination changes the account's status, hiding it and freezing its API.
func (s *Store) ApplyPenalty(ctx context.Context, p *user.Person, in NewPenalty) (_ *Penalty, err error) {
	defer errs.Wrap(&err, "review.Store.ApplyPenalty(%d)", p.ID)
	if err := requireStaff(p); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	now := s.now()
	pid := id.New()
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var status, name string
		err := db.Get(tx.QueryRow(ctx, `SELECT status, name FROM accounts WHERE id = ?`+forUpdate(tx), in.AccountID), &status, &name)
		if errors.Is(err, errs.NotFound) {
			return errs.FieldInvalid("account_id", "No such account.")
		}
		if err != nil {
			return err
		}
		if err := canPenalise(status, in.Kind); err != nil {
			return err
		}
		if in.ReportID != 0 {
			var reportAccount int64
			if err := db.Get(tx.QueryRow(ctx, `SELECT COALESCE(account_id, 0) FROM reports WHERE id = ?`, in.ReportID), &reportAccount); err != nil {
				if errors.Is(err, errs.NotFound) {
					return errs.FieldInvalid("report_id", "No such report.")
				}
				return err
			}
			if reportAccount != 0 && reportAccount != in.AccountID {
				return errs.FieldInvalid("report_id", "That report is about another account.")
			}
		}
		var expires int64
		if in.Days > 0 {
			expires = db.Micro(now.AddDate(0, 0, in.Days))
		}
		_, err = tx.Exec(ctx, `INSERT INTO penalties (id, account_id, kind, feature, article_id, rule, evidence, report_id, reviewer_id, state, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, pid, in.AccountID, in.Kind, in.Feature, in.ArticleID, in.Rule, in.Evidence,
			nullID(in.ReportID), p.ID, PenaltyActive, db.Micro(now), expires)
		if err != nil {
			return err
		}
		if err := s.syncStatus(ctx, tx, in.AccountID, status, now); err != nil {
			return err
		}
		if in.ReportID != 0 {
			if _, err := tx.Exec(ctx, `UPDATE reports SET state = 'actioned', handled_by = ?, handled_at = ?, resolution = ? WHERE id = ? AND state = 'open'`,
				p.ID, db.Micro(now), KindLabel(in.Kind, in.Feature)+": "+in.Rule, in.ReportID); err != nil {
				return err
			}
		}
		detail := phrase("%s. Rule: %s. Evidence: %s", kindText(in.Kind, in.Feature), errs.Quote(in.Rule), errs.Quote(in.Evidence))
		if in.Days > 0 {
			detail = phrase("%s (%d days)", detail, in.Days)
		}
		if in.ArticleID != 0 {
			detail = phrase("%s (article %d)", detail, in.ArticleID)
		}
		return audit(ctx, tx, now, p, AuditPenalty, in.AccountID, name, "penalty", pid, detail)
	})
	if err != nil {
		return nil, err
	}
	return s.Penalty(ctx, pid)
}

// syncStatus sets the account status that its penalties in force imply.
func (s *Store) syncStatus(ctx context.Context, tx *db.Tx, accountID int64, cur string, now time.Time) error {
	var terminated, suspended int
	err := tx.QueryRow(ctx, `SELECT
		COUNT(CASE WHEN kind = 'terminate' THEN 1 END), COUNT(CASE WHEN kind = 'suspend' THEN 1 END)
		FROM penalties WHERE account_id = ? AND state = 'active' AND (expires_at = 0 OR expires_at > ?)`, accountID, db.Micro(now)).Scan(&terminated, &suspended)
	if err != nil {
		return err
	}
	next := accountStatusAfter(cur, terminated > 0, suspended > 0)
	if next == cur {
		return nil
	}
	_, err = tx.Exec(ctx, `UPDATE accounts SET status = ?, updated_at = ? WHERE id = ?`, next, db.Micro(now), accountID)
	return err
}

// Appeal lets a member of the account (with the compliance permission)
// appeal a penalty in force, once, with a statement.
func (s *Store) Appeal(ctx context.Context, p *user.Person, penaltyID int64, statement string) (_ *Appeal, err error) {
	defer errs.Wrap(&err, "review.Store.Appeal(%d)", penaltyID)
	if p == nil {
		return nil, errs.Unauthorized
	}
	statement = strings.TrimSpace(statement)
	if n := utf8.RuneCountInString(statement); n < 10 || n > 4000 {
		return nil, errs.FieldInvalid("statement", "Explain your appeal in 10 to 4000 characters.")
	}
	pen, err := s.Penalty(ctx, penaltyID)
	if err != nil {
		return nil, err
	}
	role, err := s.accounts.Role(ctx, pen.AccountID, p.ID)
	if err != nil {
		return nil, errs.NotFoundf("No such penalty.")
	}
	if !account.Can(role, account.ActCompliance) {
		return nil, errs.Forbiddenf("Your role (%s) does not allow appealing penalties. Ask the account's owner or an admin.", role)
	}
	now := s.now()
	aid := id.New()
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var state string
		var expires int64
		if err := db.Get(tx.QueryRow(ctx, `SELECT state, expires_at FROM penalties WHERE id = ?`+forUpdate(tx), penaltyID), &state, &expires); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM appeals WHERE penalty_id = ?`, penaltyID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.Conflictf("This penalty was already appealed; each penalty can be appealed once.")
		}
		if expires != 0 && expires <= db.Micro(now) {
			state = PenaltyExpired // it ended; the job may not have noted it yet
		}
		if _, err := penaltyNext(state, penAppeal); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO appeals (id, penalty_id, account_id, person_id, statement, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			aid, penaltyID, pen.AccountID, p.ID, statement, AppealPending, db.Micro(now))
		if db.IsUniqueViolation(err) {
			return errs.Conflictf("This penalty was already appealed; each penalty can be appealed once.")
		}
		if err != nil {
			return err
		}
		return audit(ctx, tx, now, p, AuditAppeal, pen.AccountID, pen.AccountName, "penalty", penaltyID, typedNote(statement))
	})
	if err != nil {
		return nil, err
	}
	got, err := s.Penalty(ctx, penaltyID)
	if err != nil {
		return nil, err
	}
	return got.Appeal, nil
}

// PendingAppeals lists the appeals waiting for a decision, oldest first.
func (s *Store) PendingAppeals(ctx context.Context) (_ []*Penalty, err error) {
	defer errs.Wrap(&err, "review.Store.PendingAppeals()")
	rows, err := s.db.Query(ctx, `SELECT `+penaltyCols+penaltyFrom+` WHERE ap.state = 'pending' ORDER BY ap.created_at, ap.id`)
	return db.Collect(rows, err, func(r *sql.Rows) (*Penalty, error) { return scanPenalty(r) })
}

// DecideAppeal grants (the penalty is overturned and its effect undone) or
// denies (the penalty stands) an appeal. The reviewer who applied the
// penalty may not decide its appeal.
func (s *Store) DecideAppeal(ctx context.Context, p *user.Person, penaltyID int64, grant bool, note string) (err error) {
	defer errs.Wrap(&err, "review.Store.DecideAppeal(%d, %d)", p.ID, penaltyID)
	if err := requireStaff(p); err != nil {
		return err
	}
	note = strings.TrimSpace(note)
	if n := utf8.RuneCountInString(note); n < 10 || n > 2000 {
		return errs.FieldInvalid("note", "Explain the decision in 10 to 2000 characters: the account's owner reads it.")
	}
	now := s.now()
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		pen, err := scanPenalty(tx.QueryRow(ctx, `SELECT `+penaltyCols+penaltyFrom+` WHERE pn.id = ?`+forUpdateOf(tx, "pn"), penaltyID))
		if err != nil {
			return err
		}
		if pen.Appeal == nil {
			return errs.Conflictf("This penalty has not been appealed.")
		}
		if pen.ReviewerID == p.ID {
			return errs.Forbiddenf("You applied this penalty, so another reviewer must decide its appeal.")
		}
		next, err := appealNext(pen.Appeal.State, grant)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE appeals SET state = ?, decided_by = ?, decision_note = ?, decided_at = ? WHERE id = ? AND state = 'pending'`,
			next, p.ID, note, db.Micro(now), pen.Appeal.ID)
		if err != nil {
			return err
		}
		if err := changed(res); err != nil {
			return err
		}
		action := AuditAppealDeny
		if grant {
			action = AuditAppealGrant
			st := pen.State
			if st == PenaltyActive && !pen.InForce(now) {
				st = PenaltyExpired
			}
			if _, err := penaltyNext(st, penOverturn); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE penalties SET state = 'overturned', ended_at = ? WHERE id = ?`, db.Micro(now), penaltyID); err != nil {
				return err
			}
			var status string
			if err := db.Get(tx.QueryRow(ctx, `SELECT status FROM accounts WHERE id = ?`+forUpdate(tx), pen.AccountID), &status); err != nil {
				return err
			}
			if err := s.syncStatus(ctx, tx, pen.AccountID, status, now); err != nil {
				return err
			}
		}
		return audit(ctx, tx, now, p, action, pen.AccountID, pen.AccountName, "penalty", penaltyID, typedNote(note))
	})
}

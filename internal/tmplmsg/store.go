// Package tmplmsg is template messages for Service accounts (WeChat's 模板消息):
// the platform's template library that administrators keep, each account's
// industry and private templates (at most 25), and message/template/send,
// which puts a template card into the follower's chat and then pushes
// TEMPLATESENDJOBFINISH to the account's server. See docs/developer-api.md.
package tmplmsg

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

// MaxTemplates is how many private templates an account may hold (WeChat: 25).
const MaxTemplates = 25

// Error is a domain error that the developer API answers with a WeChat
// errcode (WXCode) and the console shows as its message.
type Error struct {
	Code int
	Err  *errs.Error
}

func (e *Error) Error() string { return e.Err.Error() }

// Unwrap gives the *errs.Error, for errs.KindOf and the console's forms.
func (e *Error) Unwrap() error { return e.Err }

// WXCode is the errcode the developer API answers.
func (e *Error) WXCode() int { return e.Code }

func coded(code int, e *errs.Error) *Error { return &Error{Code: code, Err: e} }

// Errors with WeChat's codes.
var (
	ErrUnknownTemplate = coded(40037, errs.NotFoundf("There is no such template."))
	ErrTooMany         = coded(45026, errs.Conflictf("The account already has %d templates, the most it may have. Delete one first.", MaxTemplates))
	ErrIndustryTooSoon = coded(43100, errs.Conflictf("The industry can be changed once a month."))
	ErrIndustryInvalid = coded(40035, errs.FieldInvalid("industry1", "Choose two industries from the list."))
	ErrNoIndustry      = coded(40037, errs.Conflictf("Set the account's industry first: templates come from its industries."))
	ErrNotInIndustry   = coded(40037, errs.Conflictf("This template is not in the account's industries."))
	ErrKeywordNames    = coded(40035, errs.Invalidf("keyword_name_list names a keyword the template does not have."))
)

// Store keeps the library, industries, private templates and sends.
type Store struct {
	db    *db.DB
	clock clock.Clock
}

// NewStore returns a Store.
func NewStore(d *db.DB, c clock.Clock) *Store { return &Store{db: d, clock: c} }

// LibraryTemplate is a template of the platform's library.
type LibraryTemplate struct {
	ID        int64
	ShortID   string // template_id_short, e.g. TM00015
	Title     string
	Industry  int
	Content   string // with {{key.DATA}} slots
	Example   string
	Retired   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// IndustryInfo is the template's industry.
func (t *LibraryTemplate) IndustryInfo() Industry { i, _ := IndustryByCode(t.Industry); return i }

// Keywords lists the template's slots.
func (t *LibraryTemplate) Keywords() []Keyword { return Keywords(t.Content) }

var shortIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// validateLibrary checks an administrator's template, reporting every
// field that is wrong at once.
func validateLibrary(t *LibraryTemplate) error {
	t.ShortID, t.Title = strings.TrimSpace(t.ShortID), strings.TrimSpace(t.Title)
	t.Content = strings.TrimSpace(strings.ReplaceAll(t.Content, "\r\n", "\n"))
	t.Example = strings.TrimSpace(strings.ReplaceAll(t.Example, "\r\n", "\n"))
	var fe errs.Fields
	if !shortIDRE.MatchString(t.ShortID) {
		fe.Add(errs.FieldInvalid("short_id", "The short id has 1–32 letters, digits, - or _ (for example TM00015)."))
	}
	if t.Title == "" || utf8.RuneCountInString(t.Title) > 30 {
		fe.Add(errs.FieldInvalid("title", "The title has 1–30 characters."))
	}
	if t.Industry < 1 || t.Industry > len(Industries) {
		fe.Add(errs.FieldInvalid("industry", "Choose an industry."))
	}
	switch {
	case utf8.RuneCountInString(t.Content) > 1000:
		fe.Add(errs.FieldInvalid("content", "The content has at most 1000 characters."))
	case len(Keywords(t.Content)) == 0:
		fe.Add(errs.FieldInvalid("content", "The content needs at least one keyword, written {{keyword1.DATA}}."))
	case len(Keywords(t.Content)) > 20:
		fe.Add(errs.FieldInvalid("content", "A template has at most 20 keywords."))
	}
	if utf8.RuneCountInString(t.Example) > 1000 {
		fe.Add(errs.FieldInvalid("example", "The example has at most 1000 characters."))
	}
	return fe.Err()
}

const libCols = `id, short_id, title, industry, content, example, retired, created_at, updated_at`

func scanLibrary(sc interface{ Scan(...any) error }) (*LibraryTemplate, error) {
	var t LibraryTemplate
	var created, updated int64
	if err := sc.Scan(&t.ID, &t.ShortID, &t.Title, &t.Industry, &t.Content, &t.Example, &t.Retired, &created, &updated); err != nil {
		return nil, err
	}
	t.CreatedAt, t.UpdatedAt = db.FromMicro(created), db.FromMicro(updated)
	return &t, nil
}

// Library lists the library by industry and short id; retired templates
// only with withRetired.
func (s *Store) Library(ctx context.Context, withRetired bool) (_ []*LibraryTemplate, err error) {
	defer errs.Wrap(&err, "tmplmsg.Store.Library()")
	q := `SELECT ` + libCols + ` FROM template_library`
	if !withRetired {
		q += ` WHERE retired = FALSE`
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY industry, short_id`)
	return db.Collect(rows, err, func(r *sql.Rows) (*LibraryTemplate, error) { return scanLibrary(r) })
}

// LibraryTemplate returns one library template by id.
func (s *Store) LibraryTemplate(ctx context.Context, id int64) (_ *LibraryTemplate, err error) {
	defer errs.Wrap(&err, "tmplmsg.Store.LibraryTemplate(%d)", id)
	t, err := scanLibrary(s.db.QueryRow(ctx, `SELECT `+libCols+` FROM template_library WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("There is no such template in the library.")
	}
	return t, err
}

// SaveLibrary adds (t.ID 0) or edits a library template. Edits change what
// accounts add from now on; templates they already added keep their text.
func (s *Store) SaveLibrary(ctx context.Context, t *LibraryTemplate) (err error) {
	defer errs.Wrap(&err, "tmplmsg.Store.SaveLibrary(%d)", t.ID)
	if err := validateLibrary(t); err != nil {
		return err
	}
	now := s.clock.Now()
	if t.ID == 0 {
		t.ID, t.CreatedAt = id.New(), now
		_, err = s.db.Exec(ctx, `INSERT INTO template_library (`+libCols+`) VALUES (?, ?, ?, ?, ?, ?, FALSE, ?, ?)`,
			t.ID, t.ShortID, t.Title, t.Industry, t.Content, t.Example, db.Micro(now), db.Micro(now))
	} else {
		var res sql.Result
		res, err = s.db.Exec(ctx, `UPDATE template_library SET short_id = ?, title = ?, industry = ?, content = ?, example = ?, updated_at = ? WHERE id = ?`,
			t.ShortID, t.Title, t.Industry, t.Content, t.Example, db.Micro(now), t.ID)
		if err == nil {
			if n, _ := res.RowsAffected(); n == 0 {
				return errs.NotFoundf("There is no such template in the library.")
			}
		}
	}
	if db.IsUniqueViolation(err) {
		return errs.FieldInvalid("short_id", "Another template already has the short id %s.", t.ShortID)
	}
	t.UpdatedAt = now
	return err
}

// SetRetired retires a library template (accounts can no longer add it;
// templates already added keep working) or brings it back.
func (s *Store) SetRetired(ctx context.Context, id int64, retired bool) (_ *LibraryTemplate, err error) {
	defer errs.Wrap(&err, "tmplmsg.Store.SetRetired(%d)", id)
	res, err := s.db.Exec(ctx, `UPDATE template_library SET retired = ?, updated_at = ? WHERE id = ?`, retired, db.Micro(s.clock.Now()), id)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, errs.NotFoundf("There is no such template in the library.")
	}
	return s.LibraryTemplate(ctx, id)
}

// AccountIndustry is an account's two industries.
type AccountIndustry struct {
	Primary, Secondary Industry
	ChangedAt          time.Time
}

// Has reports whether code is one of the two industries.
func (ai *AccountIndustry) Has(code int) bool {
	return ai != nil && (ai.Primary.Code == code || ai.Secondary.Code == code)
}

// Industry returns the account's industries, or nil when never set.
func (s *Store) Industry(ctx context.Context, accountID int64) (_ *AccountIndustry, err error) {
	defer errs.Wrap(&err, "tmplmsg.Store.Industry(%d)", accountID)
	var i1, i2 int
	var at int64
	err = db.Get(s.db.QueryRow(ctx, `SELECT industry1, industry2, changed_at FROM template_industries WHERE account_id = ?`, accountID), &i1, &i2, &at)
	if errors.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	p, _ := IndustryByCode(i1)
	sec, _ := IndustryByCode(i2)
	return &AccountIndustry{Primary: p, Secondary: sec, ChangedAt: db.FromMicro(at)}, nil
}

// NextChange is when the industry may be changed again: the first day of
// the month after the last change (Beijing time).
func (ai *AccountIndustry) NextChange() time.Time {
	t := ai.ChangedAt.In(clock.Beijing)
	return time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, clock.Beijing)
}

// SetIndustry sets the account's two industries: once a calendar month
// (43100 sooner), and private templates outside the new industries are
// deleted, as on WeChat. It returns how many were deleted. Setting the
// same two industries again changes nothing.
func (s *Store) SetIndustry(ctx context.Context, accountID int64, i1, i2 int) (deleted int, err error) {
	defer errs.Wrap(&err, "tmplmsg.Store.SetIndustry(%d, %d, %d)", accountID, i1, i2)
	if _, ok := IndustryByCode(i1); !ok {
		return 0, ErrIndustryInvalid
	}
	if _, ok := IndustryByCode(i2); !ok {
		return 0, coded(40035, errs.FieldInvalid("industry2", "Choose two industries from the list."))
	}
	now := s.clock.Now()
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var o1, o2 int
		var at int64
		err := tx.QueryRow(ctx, `SELECT industry1, industry2, changed_at FROM template_industries WHERE account_id = ?`, accountID).Scan(&o1, &o2, &at)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case o1 == i1 && o2 == i2:
			return nil
		default:
			old := &AccountIndustry{ChangedAt: db.FromMicro(at)}
			if now.Before(old.NextChange()) {
				return ErrIndustryTooSoon
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO template_industries (account_id, industry1, industry2, changed_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (account_id) DO UPDATE SET industry1 = excluded.industry1, industry2 = excluded.industry2, changed_at = excluded.changed_at`,
			accountID, i1, i2, db.Micro(now)); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM account_templates WHERE account_id = ? AND industry <> ? AND industry <> ?`, accountID, i1, i2)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		deleted = int(n)
		return nil
	})
	return deleted, err
}

// AccountTemplate is one of an account's private templates: a copy of a
// library template taken when it was added.
type AccountTemplate struct {
	ID         int64
	AccountID  int64
	TemplateID string // the private template_id
	LibraryID  int64
	Industry   int
	Title      string
	Content    string
	Example    string
	CreatedAt  time.Time
}

// IndustryInfo is the template's industry.
func (t *AccountTemplate) IndustryInfo() Industry { i, _ := IndustryByCode(t.Industry); return i }

// Keywords lists the template's slots.
func (t *AccountTemplate) Keywords() []Keyword { return Keywords(t.Content) }

const tplCols = `id, account_id, template_id, library_id, industry, title, content, example, created_at`

func scanTemplate(sc interface{ Scan(...any) error }) (*AccountTemplate, error) {
	var t AccountTemplate
	var created int64
	if err := sc.Scan(&t.ID, &t.AccountID, &t.TemplateID, &t.LibraryID, &t.Industry, &t.Title, &t.Content, &t.Example, &created); err != nil {
		return nil, err
	}
	t.CreatedAt = db.FromMicro(created)
	return &t, nil
}

// Templates lists the account's private templates, oldest first.
func (s *Store) Templates(ctx context.Context, accountID int64) (_ []*AccountTemplate, err error) {
	defer errs.Wrap(&err, "tmplmsg.Store.Templates(%d)", accountID)
	rows, err := s.db.Query(ctx, `SELECT `+tplCols+` FROM account_templates WHERE account_id = ? ORDER BY id`, accountID)
	return db.Collect(rows, err, func(r *sql.Rows) (*AccountTemplate, error) { return scanTemplate(r) })
}

// Template returns one of the account's private templates by its
// template_id; another account's answers ErrUnknownTemplate.
func (s *Store) Template(ctx context.Context, accountID int64, templateID string) (_ *AccountTemplate, err error) {
	defer errs.Wrap(&err, "tmplmsg.Store.Template(%d, %q)", accountID, templateID)
	t, err := scanTemplate(s.db.QueryRow(ctx, `SELECT `+tplCols+` FROM account_templates WHERE account_id = ? AND template_id = ?`, accountID, templateID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrUnknownTemplate
	}
	return t, err
}

// newTemplateID returns a private template_id shaped like WeChat's: 43
// URL-safe base64 characters.
func newTemplateID() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// AddTemplate copies the library template with short id shortID into the
// account's private templates. keywords, when given, keeps only the
// labelled lines they name. Errors: unknown or retired short id, no
// industry, or outside the industries 40037; 25 already 45026; a keyword
// name the template lacks 40035.
func (s *Store) AddTemplate(ctx context.Context, accountID int64, shortID string, keywords []string) (_ *AccountTemplate, err error) {
	defer errs.Wrap(&err, "tmplmsg.Store.AddTemplate(%d, %q)", accountID, shortID)
	lib, err := scanLibrary(s.db.QueryRow(ctx, `SELECT `+libCols+` FROM template_library WHERE short_id = ? AND retired = FALSE`, strings.TrimSpace(shortID)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrUnknownTemplate
	}
	if err != nil {
		return nil, err
	}
	content, ok := Pick(lib.Content, keywords)
	if !ok {
		return nil, ErrKeywordNames
	}
	t := &AccountTemplate{ID: id.New(), AccountID: accountID, TemplateID: newTemplateID(), LibraryID: lib.ID, Industry: lib.Industry,
		Title: lib.Title, Content: content, Example: lib.Example, CreatedAt: s.clock.Now()}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		// Taking the industry row first serialises adds per account (a row
		// lock on PostgreSQL; SQLite has one writer), so 25 holds.
		res, err := tx.Exec(ctx, `UPDATE template_industries SET changed_at = changed_at WHERE account_id = ?`, accountID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNoIndustry
		}
		var i1, i2, n int
		if err := tx.QueryRow(ctx, `SELECT industry1, industry2 FROM template_industries WHERE account_id = ?`, accountID).Scan(&i1, &i2); err != nil {
			return err
		}
		if lib.Industry != i1 && lib.Industry != i2 {
			return ErrNotInIndustry
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM account_templates WHERE account_id = ?`, accountID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxTemplates {
			return ErrTooMany
		}
		_, err = tx.Exec(ctx, `INSERT INTO account_templates (`+tplCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.AccountID, t.TemplateID, t.LibraryID, t.Industry, t.Title, t.Content, t.Example, db.Micro(t.CreatedAt))
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// DeleteTemplate deletes one of the account's private templates
// (ErrUnknownTemplate for one it does not have).
func (s *Store) DeleteTemplate(ctx context.Context, accountID int64, templateID string) (err error) {
	defer errs.Wrap(&err, "tmplmsg.Store.DeleteTemplate(%d, %q)", accountID, templateID)
	res, err := s.db.Exec(ctx, `DELETE FROM account_templates WHERE account_id = ? AND template_id = ?`, accountID, templateID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrUnknownTemplate
	}
	return nil
}

// Send statuses: the Status of TEMPLATESENDJOBFINISH.
const (
	StatusSending     = "sending"
	StatusSuccess     = "success"
	StatusUserBlock   = "failed:user block"
	StatusSystemError = "failed: system failed"
)

// Send is one template message sent through the API.
type Send struct {
	ID          int64 // the msgid
	AccountID   int64
	PersonID    int64
	OpenID      string
	TemplateID  string
	Title       string
	URL         string
	ClientMsgID string
	Status      string
	PushState   string // waiting, pending, pushing, done
	CreatedAt   time.Time
	MessageID   int64 // the card in the follower's chat (none for a muted follower)
}

const sendCols = `id, account_id, person_id, openid, template_id, title, url, client_msg_id, status, push_state, created_at, message_id`

func scanSend(sc interface{ Scan(...any) error }) (*Send, error) {
	var s Send
	var created int64
	if err := sc.Scan(&s.ID, &s.AccountID, &s.PersonID, &s.OpenID, &s.TemplateID, &s.Title, &s.URL, &s.ClientMsgID, &s.Status, &s.PushState, &created, &s.MessageID); err != nil {
		return nil, err
	}
	s.CreatedAt = db.FromMicro(created)
	return &s, nil
}

// Sends lists the account's template messages, newest first, older than
// before (0: the newest).
func (s *Store) Sends(ctx context.Context, accountID, before int64, limit int) (_ []*Send, err error) {
	defer errs.Wrap(&err, "tmplmsg.Store.Sends(%d, %d, %d)", accountID, before, limit)
	if before == 0 {
		before = 1<<63 - 1
	}
	rows, err := s.db.Query(ctx, `SELECT `+sendCols+` FROM template_sends WHERE account_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, accountID, before, limit)
	return db.Collect(rows, err, func(r *sql.Rows) (*Send, error) { return scanSend(r) })
}

// SendByID returns one send of the account.
func (s *Store) SendByID(ctx context.Context, accountID, sendID int64) (_ *Send, err error) {
	defer errs.Wrap(&err, "tmplmsg.Store.SendByID(%d, %d)", accountID, sendID)
	sd, err := scanSend(s.db.QueryRow(ctx, `SELECT `+sendCols+` FROM template_sends WHERE account_id = ? AND id = ?`, accountID, sendID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, db.ErrNotFound
	}
	return sd, err
}

func sortedKeys(m map[string]DataItem) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Package subscribemsg is subscription notifications (订阅通知) for Service
// accounts: the platform's public template library that administrators
// keep, each account's private templates (wxaapi/newtmpl/*), followers'
// consents given on a consent sheet (one send per acceptance of a
// one-time template; every send while a long-term one stays accepted; an
// "always allow" answer is kept without asking again), bizsend into the
// follower's chat as a notification card, and the three events
// subscribe_msg_popup_event, subscribe_msg_change_event and
// subscribe_msg_sent_event pushed to the developer's server. The legacy
// one-time subscription (message/template/subscribe) keeps its consents
// per template id and scene.
package subscribemsg

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/tmplmsg"
)

// Template types.
const (
	OneTime  = 2
	LongTerm = 3
)

// Limits.
const (
	MaxTemplates     = 50 // private templates per account (200012 beyond)
	MinKeywords      = 2
	MaxKeywords      = 5
	MaxSceneDesc     = 15
	MaxOneTimeStored = 20 // accepted one-time sends a follower may bank per template
)

// Popup scenes of subscribe_msg_popup_event.
const (
	SceneWebPage = 1
	SceneArticle = 2
)

// Category is a service category of the library.
type Category struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// Categories are the library's categories (getcategory answers all of
// them: Herald has no per-account category settings).
var Categories = []Category{
	{ID: 307, Name: "Retail / Orders"}, {ID: 308, Name: "Logistics / Delivery"}, {ID: 309, Name: "Finance / Banking"},
	{ID: 310, Name: "Food and drink"}, {ID: 311, Name: "Travel / Transport"}, {ID: 312, Name: "Education"},
	{ID: 313, Name: "Health / Medical"}, {ID: 314, Name: "Government / Public services"}, {ID: 315, Name: "Tools / Reminders"},
}

// CategoryName returns a category's name, or "".
func CategoryName(id int) string {
	for _, c := range Categories {
		if c.ID == id {
			return c.Name
		}
	}
	return ""
}

// Keyword is one keyword of a library template.
type Keyword struct {
	KID     int    `json:"kid"`
	Name    string `json:"name"`
	Rule    string `json:"rule"`
	Example string `json:"example"`
}

// Key is the keyword's data key in bizsend (rule + kid: thing1).
func (k Keyword) Key() string { return fmt.Sprintf("%s%d", k.Rule, k.KID) }

// LibraryTemplate is a template of the public library.
type LibraryTemplate struct {
	TID        int64
	Title      string
	Type       int
	CategoryID int
	Keywords   []Keyword
	Retired    bool
	CreatedAt  time.Time
}

// KeywordList is the keywords one a line: "1. Item (thing1) e.g. Green tea".
func (t *LibraryTemplate) KeywordList() string {
	var b strings.Builder
	for _, k := range t.Keywords {
		fmt.Fprintf(&b, "%d. %s (%s)", k.KID, k.Name, k.Key())
		if k.Example != "" {
			b.WriteString(" e.g. " + k.Example)
		}
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Template is an account's private template.
type Template struct {
	ID        int64
	AccountID int64
	PriTmplID string
	TID       int64
	Title     string
	Type      int
	Keywords  []Keyword
	SceneDesc string
	CreatedAt time.Time
}

// Content is the template as getTemplate shows it: one line per keyword,
// "Name:{{thing1.DATA}}".
func (t *Template) Content() string {
	var b strings.Builder
	for i, k := range t.Keywords {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(k.Name + ":{{" + k.Key() + ".DATA}}")
	}
	return b.String()
}

// Example is the template filled with its keywords' examples.
func (t *Template) Example() string {
	var b strings.Builder
	for i, k := range t.Keywords {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(k.Name + ":" + k.Example)
	}
	return b.String()
}

// Service keeps the library, templates and consents, and sends.
type Service struct {
	DB       *db.DB
	Clock    clock.Clock
	Accounts *account.Store
	Follows  *follow.Store
	Messages *message.Store
	Push     Notifier // optional: the three events
	Log      *slog.Logger
	// Gate, when set, refuses accounts under a messaging restriction: 48004.
	Gate func(ctx context.Context, accountID int64, feature string) error
}

// Notifier hands a subscription event to the account's developer server
// (subscribe_msg_popup_event, subscribe_msg_change_event,
// subscribe_msg_sent_event); push.Engine is one.
type Notifier interface {
	SubscribeEvent(ctx context.Context, a *account.Account, openID string, personID int64, at time.Time, e Event) error
}

// Kinds of Event.
const (
	EventPopup  = "popup"  // the follower answered a consent sheet
	EventChange = "change" // the follower turned notifications off
	EventSent   = "sent"   // a notification was sent, or refused by the follower
)

// Event is one subscription event: its kind and one item a template.
type Event struct {
	Kind  string
	Items []EventItem
}

// EventItem is one template's part of an event.
type EventItem struct {
	TemplateID  string
	Status      string // popup and change: accept or reject
	PopupScene  int    // popup: SceneWebPage or SceneArticle
	MsgID       int64  // sent
	ErrorCode   int    // sent: 0, or the refusal's errcode
	ErrorStatus string // sent: success, or the failure
}

// Error is a refusal that carries the errcode the developer API answers
// and, for some, WeChat's detail after the code's message.
type Error struct {
	Code   int
	Detail string
}

func (e *Error) Error() string {
	return strings.TrimSpace("subscription notifications: refused with errcode " + strconv.Itoa(e.Code) + " " + e.Detail)
}

// WXCode is the errcode the developer API answers.
func (e *Error) WXCode() int { return e.Code }

// WXDetail is said after the errcode's message ("data.thing2.value invalid").
func (e *Error) WXDetail() string { return e.Detail }

func coded(code int) error { return &Error{Code: code} }

func codedf(code int, detail string) error { return &Error{Code: code, Detail: detail} }

// ---- library (administrators) ----

// validateLibrary checks an administrator's template.
func validateLibrary(t *LibraryTemplate) error {
	t.Title = strings.TrimSpace(t.Title)
	switch {
	case t.Title == "" || utf8.RuneCountInString(t.Title) > 30:
		return errs.FieldInvalid("title", "The title has 1–30 characters.")
	case t.Type != OneTime && t.Type != LongTerm:
		return errs.FieldInvalid("type", "Choose one-time or long-term.")
	case CategoryName(t.CategoryID) == "":
		return errs.FieldInvalid("category", "Choose a category.")
	case len(t.Keywords) < MinKeywords || len(t.Keywords) > 20:
		return errs.FieldInvalid("keywords", "A template has 2–20 keywords.")
	}
	seen := map[int]bool{}
	for i := range t.Keywords {
		k := &t.Keywords[i]
		k.Name, k.Example = strings.TrimSpace(k.Name), strings.TrimSpace(k.Example)
		if k.KID <= 0 || seen[k.KID] {
			return errs.FieldInvalid("keywords", "Each keyword needs its own number (kid) from 1.")
		}
		seen[k.KID] = true
		if k.Name == "" || utf8.RuneCountInString(k.Name) > 20 {
			return errs.FieldInvalid("keywords", "Each keyword has a name of 1–20 characters.")
		}
		if !ValidRule(k.Rule) {
			return errs.FieldInvalid("keywords", "Keyword %q has an unknown type %q (one of: %s).", k.Name, k.Rule, strings.Join(Rules, ", "))
		}
		if k.Example != "" && !CheckValue(k.Rule, k.Example) {
			return errs.FieldInvalid("keywords", "The example of %q does not fit the type %s.", k.Name, k.Rule)
		}
	}
	return nil
}

// ParseKeywords reads keywords written one a line as "name | rule |
// example" (the admin form), numbering them from 1.
func ParseKeywords(text string) ([]Keyword, error) {
	var out []Keyword
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.Split(line, "|")
		if len(parts) < 2 || len(parts) > 3 {
			return nil, errs.FieldInvalid("keywords", "Write each keyword as: name | type | example.")
		}
		k := Keyword{KID: len(out) + 1, Name: strings.TrimSpace(parts[0]), Rule: strings.TrimSpace(parts[1])}
		if len(parts) == 3 {
			k.Example = strings.TrimSpace(parts[2])
		}
		out = append(out, k)
	}
	return out, nil
}

// SaveLibrary adds a library template (TID 0) or changes one.
func (s *Service) SaveLibrary(ctx context.Context, t *LibraryTemplate) (err error) {
	defer errs.Wrap(&err, "subscribemsg.Service.SaveLibrary()")
	if err := validateLibrary(t); err != nil {
		return err
	}
	kw, _ := json.Marshal(t.Keywords)
	return s.DB.Tx(ctx, func(tx *db.Tx) error {
		if t.TID == 0 {
			var err error
			if t.TID, err = db.NextNumber(ctx, tx, "subscribe_tid"); err != nil {
				return err
			}
			t.CreatedAt = s.Clock.Now()
			_, err = tx.Exec(ctx, `INSERT INTO subscribe_library (tid, title, type, category_id, keywords, retired, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				t.TID, t.Title, t.Type, t.CategoryID, string(kw), t.Retired, db.Micro(t.CreatedAt))
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE subscribe_library SET title = ?, type = ?, category_id = ?, keywords = ?, retired = ? WHERE tid = ?`,
			t.Title, t.Type, t.CategoryID, string(kw), t.Retired, t.TID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("There is no such library template.")
		}
		return nil
	})
}

const libCols = `tid, title, type, category_id, keywords, retired, created_at`

func scanLibrary(sc interface{ Scan(...any) error }) (*LibraryTemplate, error) {
	var t LibraryTemplate
	var kw string
	var created int64
	if err := sc.Scan(&t.TID, &t.Title, &t.Type, &t.CategoryID, &kw, &t.Retired, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	if err := json.Unmarshal([]byte(kw), &t.Keywords); err != nil {
		return nil, err
	}
	t.CreatedAt = db.FromMicro(created)
	return &t, nil
}

// Library lists library templates of the given categories (all when
// none), retired ones only when asked, by tid; total counts them all.
func (s *Service) Library(ctx context.Context, categories []int, withRetired bool, start, limit int) (_ []*LibraryTemplate, _ int, err error) {
	defer errs.Wrap(&err, "subscribemsg.Service.Library(%d, %d)", start, limit)
	where := ` WHERE 1 = 1`
	var args []any
	if !withRetired {
		where += ` AND retired = FALSE`
	}
	if len(categories) > 0 {
		where += ` AND category_id IN (?` + strings.Repeat(`, ?`, len(categories)-1) + `)`
		for _, c := range categories {
			args = append(args, c)
		}
	}
	var total int
	if err := db.Get(s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM subscribe_library`+where, args...), &total); err != nil {
		return nil, 0, err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+libCols+` FROM subscribe_library`+where+` ORDER BY tid LIMIT ? OFFSET ?`, append(args, limit, start)...)
	ts, err := db.Collect(rows, err, func(r *sql.Rows) (*LibraryTemplate, error) { return scanLibrary(r) })
	return ts, total, err
}

// LibraryTemplate returns one library template.
func (s *Service) LibraryTemplate(ctx context.Context, tid int64) (_ *LibraryTemplate, err error) {
	defer errs.Wrap(&err, "subscribemsg.Service.LibraryTemplate(%d)", tid)
	return scanLibrary(s.DB.QueryRow(ctx, `SELECT `+libCols+` FROM subscribe_library WHERE tid = ?`, tid))
}

// ---- private templates ----

func newPriTmplID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:43]
}

// AddTemplate makes a private template from library template tid with the
// keywords kids (2–5, in the order given): 200014 for an unknown or retired
// tid, 200020 for a bad keyword list, 200021 for a scene description over
// 15 characters, 200012 beyond MaxTemplates.
func (s *Service) AddTemplate(ctx context.Context, accountID, tid int64, kids []int, sceneDesc string) (_ *Template, err error) {
	defer errs.Wrap(&err, "subscribemsg.Service.AddTemplate(%d, %d)", accountID, tid)
	lib, err := s.LibraryTemplate(ctx, tid)
	if errors.Is(err, errs.NotFound) || (err == nil && lib.Retired) {
		return nil, coded(200014)
	}
	if err != nil {
		return nil, err
	}
	if len(kids) < MinKeywords || len(kids) > MaxKeywords {
		return nil, coded(200020)
	}
	byKID := map[int]Keyword{}
	for _, k := range lib.Keywords {
		byKID[k.KID] = k
	}
	var chosen []Keyword
	seen := map[int]bool{}
	for _, kid := range kids {
		k, ok := byKID[kid]
		if !ok || seen[kid] {
			return nil, coded(200020)
		}
		seen[kid] = true
		chosen = append(chosen, k)
	}
	sceneDesc = strings.TrimSpace(sceneDesc)
	if utf8.RuneCountInString(sceneDesc) > MaxSceneDesc {
		return nil, coded(200021)
	}
	t := &Template{ID: id.New(), AccountID: accountID, PriTmplID: newPriTmplID(), TID: tid, Title: lib.Title, Type: lib.Type,
		Keywords: chosen, SceneDesc: sceneDesc, CreatedAt: s.Clock.Now()}
	kw, _ := json.Marshal(chosen)
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		var n int
		if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*) FROM subscribe_templates WHERE account_id = ?`, accountID), &n); err != nil {
			return err
		}
		if n >= MaxTemplates {
			return coded(200012)
		}
		_, err := tx.Exec(ctx, `INSERT INTO subscribe_templates (id, account_id, pri_tmpl_id, tid, title, type, keywords, scene_desc, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, t.ID, accountID, t.PriTmplID, tid, t.Title, t.Type, string(kw), sceneDesc, db.Micro(t.CreatedAt))
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

const tmplCols = `id, account_id, pri_tmpl_id, tid, title, type, keywords, scene_desc, created_at`

func scanTemplate(sc interface{ Scan(...any) error }) (*Template, error) {
	var t Template
	var kw string
	var created int64
	if err := sc.Scan(&t.ID, &t.AccountID, &t.PriTmplID, &t.TID, &t.Title, &t.Type, &kw, &t.SceneDesc, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	if err := json.Unmarshal([]byte(kw), &t.Keywords); err != nil {
		return nil, err
	}
	t.CreatedAt = db.FromMicro(created)
	return &t, nil
}

// Templates lists the account's private templates, oldest first.
func (s *Service) Templates(ctx context.Context, accountID int64) (_ []*Template, err error) {
	defer errs.Wrap(&err, "subscribemsg.Service.Templates(%d)", accountID)
	rows, err := s.DB.Query(ctx, `SELECT `+tmplCols+` FROM subscribe_templates WHERE account_id = ? ORDER BY id`, accountID)
	return db.Collect(rows, err, func(r *sql.Rows) (*Template, error) { return scanTemplate(r) })
}

// Template returns one of the account's private templates: 40037 when it
// has none with that id.
func (s *Service) Template(ctx context.Context, accountID int64, priTmplID string) (_ *Template, err error) {
	defer errs.Wrap(&err, "subscribemsg.Service.Template(%d, %q)", accountID, priTmplID)
	t, err := scanTemplate(s.DB.QueryRow(ctx, `SELECT `+tmplCols+` FROM subscribe_templates WHERE account_id = ? AND pri_tmpl_id = ?`, accountID, priTmplID))
	if errors.Is(err, errs.NotFound) {
		return nil, coded(40037)
	}
	return t, err
}

// DeleteTemplate deletes a private template and the consents given to it.
func (s *Service) DeleteTemplate(ctx context.Context, accountID int64, priTmplID string) (err error) {
	defer errs.Wrap(&err, "subscribemsg.Service.DeleteTemplate(%d, %q)", accountID, priTmplID)
	return s.DB.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM subscribe_templates WHERE account_id = ? AND pri_tmpl_id = ?`, accountID, priTmplID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return coded(40037)
		}
		_, err = tx.Exec(ctx, `DELETE FROM subscribe_consents WHERE account_id = ? AND kind = 'newtmpl' AND template_id = ?`, accountID, priTmplID)
		return err
	})
}

// ---- consents (followers) ----

// Decision is a follower's answer for one template on the consent sheet.
type Decision struct {
	TemplateID string
	Accept     bool
}

// Consent is a follower's standing answer for one template.
type Consent struct {
	TemplateID string
	Title      string
	Type       int
	Status     string // accept or reject
	Remaining  int    // one-time sends left
	Always     bool
}

// Ask returns which of the templates the follower must still be asked
// about: those without an "always" answer. The others are answered at once
// (Remember re-applies them).
func (s *Service) Ask(ctx context.Context, accountID, personID int64, templateIDs []string) (_ []*Template, err error) {
	defer errs.Wrap(&err, "subscribemsg.Service.Ask(%d, %d)", accountID, personID)
	var out []*Template
	for _, tid := range templateIDs {
		t, err := s.Template(ctx, accountID, tid)
		if err != nil {
			return nil, err
		}
		var always bool
		err = db.Get(s.DB.QueryRow(ctx, `SELECT always_allow FROM subscribe_consents WHERE account_id = ? AND person_id = ? AND kind = 'newtmpl' AND template_id = ? AND scene = ''`,
			accountID, personID, tid), &always)
		if err != nil && !errors.Is(err, errs.NotFound) {
			return nil, err
		}
		if !always {
			out = append(out, t)
		}
	}
	return out, nil
}

// ErrNoTemplates is a consent request without templates.
var ErrNoTemplates = errs.Invalidf("The page asked for no notifications.")

// Subscribe records a follower's answers on the consent sheet (opened from
// a web page or an article: scene SceneWebPage or SceneArticle) and pushes
// subscribe_msg_popup_event. An accepted one-time template allows one more
// send; a long-term one, every send until withdrawn. always keeps the
// answers: later sheets for these templates are answered without asking
// (Remember). Templates answered "always" before keep their answer.
func (s *Service) Subscribe(ctx context.Context, a *account.Account, personID int64, decisions []Decision, always bool, scene int) (err error) {
	defer errs.Wrap(&err, "subscribemsg.Service.Subscribe(%d, %d, %d)", a.ID, personID, scene)
	if len(decisions) == 0 {
		return ErrNoTemplates
	}
	f, err := s.following(ctx, a, personID)
	if err != nil {
		return err
	}
	var items []EventItem
	now := db.Micro(s.Clock.Now())
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		items = items[:0]
		for _, d := range decisions {
			var typ int
			err := db.Get(tx.QueryRow(ctx, `SELECT type FROM subscribe_templates WHERE account_id = ? AND pri_tmpl_id = ?`, a.ID, d.TemplateID), &typ)
			if errors.Is(err, errs.NotFound) {
				return coded(40037)
			}
			if err != nil {
				return err
			}
			if err := upsertConsent(ctx, tx, a.ID, personID, "newtmpl", d.TemplateID, "", d.Accept, always, typ == OneTime, now); err != nil {
				return err
			}
			st := "reject"
			if d.Accept {
				st = "accept"
			}
			items = append(items, EventItem{TemplateID: d.TemplateID, Status: st, PopupScene: scene})
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.notify(a, f.OpenID, personID, Event{Kind: EventPopup, Items: items})
	return nil
}

// Remember re-applies the "always" answers of the follower for the
// templates (a sheet that is not shown again): one more one-time send for
// each accepted one-time template, and the popup event as if they had
// answered.
func (s *Service) Remember(ctx context.Context, a *account.Account, personID int64, templateIDs []string, scene int) (err error) {
	defer errs.Wrap(&err, "subscribemsg.Service.Remember(%d, %d, %d)", a.ID, personID, scene)
	var ds []Decision
	for _, tid := range templateIDs {
		var status string
		err := db.Get(s.DB.QueryRow(ctx, `SELECT status FROM subscribe_consents WHERE account_id = ? AND person_id = ? AND kind = 'newtmpl' AND template_id = ? AND scene = '' AND always_allow = TRUE`,
			a.ID, personID, tid), &status)
		if errors.Is(err, errs.NotFound) {
			continue
		}
		if err != nil {
			return err
		}
		ds = append(ds, Decision{TemplateID: tid, Accept: status == "accept"})
	}
	if len(ds) == 0 {
		return nil
	}
	return s.Subscribe(ctx, a, personID, ds, true, scene)
}

func upsertConsent(ctx context.Context, tx *db.Tx, accountID, personID int64, kind, templateID, scene string, accept, always, oneTime bool, now int64) error {
	status, grant := "reject", 0
	if accept {
		status = "accept"
		if oneTime {
			grant = 1
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO subscribe_consents (account_id, person_id, kind, template_id, scene, status, remaining, always_allow, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id, person_id, kind, template_id, scene) DO UPDATE SET status = excluded.status,
			remaining = CASE WHEN excluded.status <> 'accept' THEN 0
				WHEN subscribe_consents.remaining + excluded.remaining > ? THEN ?
				ELSE subscribe_consents.remaining + excluded.remaining END,
			always_allow = excluded.always_allow, updated_at = excluded.updated_at`,
		accountID, personID, kind, templateID, scene, status, grant, always, now, MaxOneTimeStored, MaxOneTimeStored)
	return err
}

// Withdraw turns a follower's notifications from a template off (the
// account's notification settings) and pushes subscribe_msg_change_event.
func (s *Service) Withdraw(ctx context.Context, a *account.Account, personID int64, templateID string) (err error) {
	defer errs.Wrap(&err, "subscribemsg.Service.Withdraw(%d, %d, %q)", a.ID, personID, templateID)
	f, err := s.following(ctx, a, personID)
	if err != nil {
		return err
	}
	res, err := s.DB.Exec(ctx, `UPDATE subscribe_consents SET status = 'reject', remaining = 0, always_allow = FALSE, updated_at = ?
		WHERE account_id = ? AND person_id = ? AND kind = 'newtmpl' AND template_id = ? AND status = 'accept'`,
		db.Micro(s.Clock.Now()), a.ID, personID, templateID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.NotFoundf("These notifications are not on.")
	}
	s.notify(a, f.OpenID, personID, Event{Kind: EventChange, Items: []EventItem{{TemplateID: templateID, Status: "reject"}}})
	return nil
}

// Consents lists a follower's accepted notifications of an account.
func (s *Service) Consents(ctx context.Context, accountID, personID int64) (_ []Consent, err error) {
	defer errs.Wrap(&err, "subscribemsg.Service.Consents(%d, %d)", accountID, personID)
	rows, err := s.DB.Query(ctx, `SELECT c.template_id, t.title, t.type, c.status, c.remaining, c.always_allow FROM subscribe_consents c
		JOIN subscribe_templates t ON t.account_id = c.account_id AND t.pri_tmpl_id = c.template_id
		WHERE c.account_id = ? AND c.person_id = ? AND c.kind = 'newtmpl' AND c.status = 'accept' ORDER BY t.id`, accountID, personID)
	return db.Collect(rows, err, func(r *sql.Rows) (Consent, error) {
		var c Consent
		return c, r.Scan(&c.TemplateID, &c.Title, &c.Type, &c.Status, &c.Remaining, &c.Always)
	})
}

// ConfirmLegacy records a legacy one-time subscription (mp/subscribemsg):
// one send of templateID in scene when accepted.
func (s *Service) ConfirmLegacy(ctx context.Context, a *account.Account, personID int64, templateID, scene string, accept bool) (err error) {
	defer errs.Wrap(&err, "subscribemsg.Service.ConfirmLegacy(%d, %d, %q)", a.ID, personID, templateID)
	if _, err := s.following(ctx, a, personID); err != nil {
		return err
	}
	return s.DB.Tx(ctx, func(tx *db.Tx) error {
		return upsertConsent(ctx, tx, a.ID, personID, "legacy", templateID, scene, accept, false, true, db.Micro(s.Clock.Now()))
	})
}

func (s *Service) following(ctx context.Context, a *account.Account, personID int64) (*follow.Follow, error) {
	f, err := s.Follows.Get(ctx, a.ID, personID)
	if errors.Is(err, errs.NotFound) || (err == nil && !f.Following) {
		return nil, errs.Conflictf("Follow the account first.")
	}
	return f, err
}

// ---- sending ----

// SendRequest is the body of message/subscribe/bizsend.
type SendRequest struct {
	ToUser      string `json:"touser"`
	TemplateID  string `json:"template_id"`
	Page        string `json:"page"`
	MiniProgram *struct {
		AppID    string `json:"appid"`
		PagePath string `json:"pagepath"`
	} `json:"miniprogram"`
	Data map[string]tmplmsg.DataItem `json:"data"`
}

// recipient resolves touser: 40003 unknown, 43004 not following, 43019
// blacklisted.
func (s *Service) recipient(ctx context.Context, a *account.Account, openid string) (*follow.Follow, error) {
	if openid == "" {
		return nil, coded(40003)
	}
	f, err := s.Follows.ByOpenID(ctx, a.ID, openid)
	if errors.Is(err, errs.NotFound) {
		return nil, coded(40003)
	}
	if err != nil {
		return nil, err
	}
	if !f.Following {
		return nil, coded(43004)
	}
	if f.Blocked {
		return nil, coded(43019)
	}
	return f, nil
}

// take uses the follower's consent: one one-time send, or a long-term
// acceptance. 43101 when there is none.
func take(ctx context.Context, tx *db.Tx, accountID, personID int64, kind, templateID, scene string, oneTime bool) error {
	if oneTime {
		res, err := tx.Exec(ctx, `UPDATE subscribe_consents SET remaining = remaining - 1 WHERE account_id = ? AND person_id = ? AND kind = ? AND template_id = ? AND scene = ?
			AND status = 'accept' AND remaining > 0`, accountID, personID, kind, templateID, scene)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return coded(43101)
		}
		return nil
	}
	var n int
	if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*) FROM subscribe_consents WHERE account_id = ? AND person_id = ? AND kind = ? AND template_id = ? AND scene = ? AND status = 'accept'`,
		accountID, personID, kind, templateID, scene), &n); err != nil {
		return err
	}
	if n == 0 {
		return coded(43101)
	}
	return nil
}

func linkURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	return u
}

// Send delivers a subscription notification (bizsend) into the follower's
// chat as a notification card and pushes subscribe_msg_sent_event. Errors:
// 40037 unknown template, 40003/43004/43019 recipient, 47003 a value that
// breaks its keyword's rule or a missing keyword, 43101 no consent
// (never given, used up, or withdrawn), 48004 restricted account.
func (s *Service) Send(ctx context.Context, a *account.Account, req *SendRequest) (err error) {
	defer errs.Wrap(&err, "subscribemsg.Service.Send(%d)", a.ID)
	t, err := s.Template(ctx, a.ID, req.TemplateID)
	if req.TemplateID == "" {
		return coded(40037)
	}
	if err != nil {
		return err
	}
	f, err := s.recipient(ctx, a, req.ToUser)
	if err != nil {
		return err
	}
	var lines []tmplmsg.Line
	for _, k := range t.Keywords {
		v, ok := req.Data[k.Key()]
		if !ok || !CheckValue(k.Rule, v.Value) {
			return codedf(47003, "data."+k.Key()+".value invalid")
		}
		lines = append(lines, tmplmsg.Line{Label: k.Name, Value: v.Value})
	}
	if len(req.Page) > 1024 {
		return coded(40039)
	}
	if req.MiniProgram != nil && req.MiniProgram.AppID != "" && len(req.MiniProgram.PagePath) > 1024 {
		return coded(41030)
	}
	if s.Gate != nil {
		if err := s.Gate(ctx, a.ID, "messaging"); err != nil {
			return coded(48004)
		}
	}
	var msgID int64
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		if err := take(ctx, tx, a.ID, f.PersonID, "newtmpl", t.PriTmplID, "", t.Type == OneTime); err != nil {
			return err
		}
		var err error
		msgID, err = db.NextNumber(ctx, tx, "subscribe_msgid")
		return err
	})
	if err != nil {
		return err
	}
	status, code := "success", 0
	if f.Muted {
		status, code = "failed:user block", 43101
	} else {
		m := &message.Message{ID: id.New(), AccountID: a.ID, PersonID: f.PersonID, Direction: message.Out, Kind: message.KindTemplate,
			Sender: message.SenderAPI, Body: message.Body{Title: t.Title, URL: linkURL(req.Page), Data: lines}}
		if err := s.Messages.Append(context.WithoutCancel(ctx), m); err != nil {
			return err
		}
	}
	s.notify(a, f.OpenID, f.PersonID, Event{Kind: EventSent, Items: []EventItem{{TemplateID: t.PriTmplID, MsgID: msgID, ErrorCode: code, ErrorStatus: status}}})
	return nil
}

// LegacyRequest is the body of message/template/subscribe.
type LegacyRequest struct {
	ToUser      string `json:"touser"`
	TemplateID  string `json:"template_id"`
	URL         string `json:"url"`
	Scene       string `json:"scene"`
	Title       string `json:"title"`
	MiniProgram *struct {
		AppID    string `json:"appid"`
		PagePath string `json:"pagepath"`
	} `json:"miniprogram"`
	Data map[string]tmplmsg.DataItem `json:"data"`
}

// SendLegacy sends a one-time subscription message (message/template/
// subscribe): the follower must have confirmed templateID in scene on the
// subscribemsg page, and each confirmation allows one send (43101
// otherwise). The card shows title and data.content.
func (s *Service) SendLegacy(ctx context.Context, a *account.Account, req *LegacyRequest) (err error) {
	defer errs.Wrap(&err, "subscribemsg.Service.SendLegacy(%d)", a.ID)
	if req.TemplateID == "" {
		return coded(40037)
	}
	f, err := s.recipient(ctx, a, req.ToUser)
	if err != nil {
		return err
	}
	title := strings.TrimSpace(req.Title)
	content, ok := req.Data["content"]
	switch {
	case title == "" || utf8.RuneCountInString(title) > 15:
		return codedf(47003, "title invalid")
	case !ok || strings.TrimSpace(content.Value) == "" || utf8.RuneCountInString(content.Value) > 200:
		return codedf(47003, "data.content.value invalid")
	case len(req.Scene) > 10:
		return coded(40035)
	}
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		return take(ctx, tx, a.ID, f.PersonID, "legacy", req.TemplateID, req.Scene, true)
	})
	if err != nil {
		return err
	}
	if f.Muted {
		return nil
	}
	m := &message.Message{ID: id.New(), AccountID: a.ID, PersonID: f.PersonID, Direction: message.Out, Kind: message.KindTemplate,
		Sender: message.SenderAPI, Body: message.Body{Title: title, URL: linkURL(req.URL), Data: []tmplmsg.Line{{Value: content.Value}}}}
	return s.Messages.Append(context.WithoutCancel(ctx), m)
}

func (s *Service) notify(a *account.Account, openID string, personID int64, e Event) {
	if s.Push == nil {
		return
	}
	// The push engine queues the event durably before it returns.
	if err := s.Push.SubscribeEvent(context.Background(), a, openID, personID, s.Clock.Now(), e); err != nil && s.Log != nil {
		s.Log.Error("subscription notification event", slog.String("event", e.Kind), slog.Any("error", err))
	}
}

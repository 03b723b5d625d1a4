// Package kf is the developer API's view of the customer-service inbox:
// kf accounts ("prefix@<original id>"), each bound to a member who answers
// the inbox, and kf sessions, which are the inbox's assignments. A session
// created through the API is the conversation taken by the kf account's
// member, so it shows in the console inbox; an agent who answers in the
// console takes the conversation, so it shows in the API's session list.
// Every take, transfer and close becomes a kf_create_session,
// kf_switch_session or kf_close_session push to the developer's server.
package kf

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/inbox"
)

// Limits.
const (
	MaxAccounts    = 10 // kf accounts per Official Account (61456 beyond)
	MaxPrefix      = 10 // characters before the @
	MaxNickname    = 16 // characters
	InviteTTL      = 7 * 24 * time.Hour
	OnlineWithin   = 30 * time.Minute // a bound member seen this recently is online
	firstKfID      = 1001
	maxSessionList = 100
)

// Invitation states (invite_status).
const (
	InviteWaiting = "waiting"
	InviteExpired = "expired"
)

// Service runs kf accounts and sessions.
type Service struct {
	DB    *db.DB
	Clock clock.Clock
	Inbox *inbox.Store
	Accts *account.Store
	Log   *slog.Logger
}

// Notifier tells the account's developer server that a follower's
// conversation passed between kf accounts: from and to are the full kf
// account names, "" for none (taken: kf_create_session, passed on:
// kf_switch_session, closed or handed to a member without a kf account:
// kf_close_session). push.Engine is one.
type Notifier interface {
	KfSessionChanged(ctx context.Context, a *account.Account, openID string, personID int64, at time.Time, from, to string) error
}

// Error is a refusal that carries the errcode the developer API answers.
type Error struct{ Code int }

func (e *Error) Error() string { return "kf: refused with errcode " + strconv.Itoa(e.Code) }

// WXCode is the errcode the developer API answers.
func (e *Error) WXCode() int { return e.Code }

func coded(code int) error { return &Error{Code: code} }

// Account is one kf account.
type Account struct {
	ID              int64
	AccountID       int64
	KfID            int64
	Prefix          string
	Nickname        string
	HeadMediaID     string
	PersonID        int64  // bound member, or 0
	Username        string // the bound member's username
	InvitePersonID  int64
	InviteWX        string
	InviteExpiresAt time.Time
	CreatedAt       time.Time
}

// Full is the kf account as the API names it: prefix@<original id>.
func (k *Account) Full(a *account.Account) string { return k.Prefix + "@" + a.OriginalID }

// InviteStatus is "waiting", "expired" or "" (no invitation pending).
func (k *Account) InviteStatus(now time.Time) string {
	if k.PersonID != 0 || k.InviteWX == "" {
		return ""
	}
	if now.Before(k.InviteExpiresAt) {
		return InviteWaiting
	}
	return InviteExpired
}

// parse checks a kf_account against the account: 61452 when it is not
// prefix@<this account's original id>, 61454 for a prefix that is empty or
// too long, 61455 for characters other than letters, digits and _.
func parse(a *account.Account, kfAccount string) (string, error) {
	i := strings.LastIndexByte(kfAccount, '@')
	if i < 0 || !strings.EqualFold(kfAccount[i+1:], a.OriginalID) {
		return "", coded(61452)
	}
	prefix := kfAccount[:i]
	if prefix == "" || len(prefix) > MaxPrefix {
		return "", coded(61454)
	}
	for _, r := range prefix {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return "", coded(61455)
		}
	}
	return prefix, nil
}

func checkNickname(n string) (string, error) {
	n = strings.TrimSpace(n)
	if n == "" || utf8.RuneCountInString(n) > MaxNickname {
		return "", coded(65403)
	}
	return n, nil
}

const cols = `k.id, k.account_id, k.kf_id, k.prefix, k.nickname, k.head_media_id, k.person_id, COALESCE(p.username, ''),
	k.invite_person_id, k.invite_wx, k.invite_expires_at, k.created_at`

const from = ` FROM kf_accounts k LEFT JOIN people p ON p.id = k.person_id`

func scan(sc interface{ Scan(...any) error }) (*Account, error) {
	var k Account
	var exp, created int64
	err := sc.Scan(&k.ID, &k.AccountID, &k.KfID, &k.Prefix, &k.Nickname, &k.HeadMediaID, &k.PersonID, &k.Username,
		&k.InvitePersonID, &k.InviteWX, &exp, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, db.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if exp != 0 {
		k.InviteExpiresAt = db.FromMicro(exp)
	}
	k.CreatedAt = db.FromMicro(created)
	return &k, nil
}

// Add creates a kf account: 61453 when it exists, 61456 beyond MaxAccounts.
func (s *Service) Add(ctx context.Context, a *account.Account, kfAccount, nickname string) (_ *Account, err error) {
	defer errs.Wrap(&err, "kf.Service.Add(%d)", a.ID)
	prefix, err := parse(a, kfAccount)
	if err != nil {
		return nil, err
	}
	if nickname, err = checkNickname(nickname); err != nil {
		return nil, err
	}
	k := &Account{ID: id.New(), AccountID: a.ID, Prefix: prefix, Nickname: nickname, CreatedAt: s.Clock.Now()}
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		var n int
		var maxID int64
		if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MAX(kf_id), 0) FROM kf_accounts WHERE account_id = ?`, a.ID), &n, &maxID); err != nil {
			return err
		}
		var exists int
		if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*) FROM kf_accounts WHERE account_id = ? AND LOWER(prefix) = ?`, a.ID, strings.ToLower(prefix)), &exists); err != nil {
			return err
		}
		if exists > 0 {
			return coded(61453)
		}
		if n >= MaxAccounts {
			return coded(61456)
		}
		k.KfID = max(maxID+1, firstKfID)
		_, err := tx.Exec(ctx, `INSERT INTO kf_accounts (id, account_id, kf_id, prefix, nickname, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			k.ID, a.ID, k.KfID, prefix, nickname, db.Micro(k.CreatedAt))
		if db.IsUniqueViolation(err) {
			return coded(61453)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// Get returns a kf account by its full name: the parse errors, or 65401
// for one that does not exist.
func (s *Service) Get(ctx context.Context, a *account.Account, kfAccount string) (_ *Account, err error) {
	defer errs.Wrap(&err, "kf.Service.Get(%d)", a.ID)
	prefix, err := parse(a, kfAccount)
	if err != nil {
		return nil, err
	}
	k, err := scan(s.DB.QueryRow(ctx, `SELECT `+cols+from+` WHERE k.account_id = ? AND LOWER(k.prefix) = ?`, a.ID, strings.ToLower(prefix)))
	if errors.Is(err, errs.NotFound) {
		return nil, coded(65401)
	}
	if err != nil {
		return nil, err
	}
	return s.settle(ctx, a.ID, k)
}

// ByPerson returns the kf account bound to a member, or nil.
func (s *Service) ByPerson(ctx context.Context, accountID, personID int64) (_ *Account, err error) {
	defer errs.Wrap(&err, "kf.Service.ByPerson(%d, %d)", accountID, personID)
	return byPerson(ctx, s.DB, accountID, personID)
}

func byPerson(ctx context.Context, d *db.DB, accountID, personID int64) (*Account, error) {
	if personID == 0 {
		return nil, nil
	}
	k, err := scan(d.QueryRow(ctx, `SELECT `+cols+from+` WHERE k.account_id = ? AND k.person_id = ?`, accountID, personID))
	if errors.Is(err, errs.NotFound) {
		return nil, nil
	}
	return k, err
}

// Update changes a kf account's nickname.
func (s *Service) Update(ctx context.Context, a *account.Account, kfAccount, nickname string) (err error) {
	defer errs.Wrap(&err, "kf.Service.Update(%d)", a.ID)
	k, err := s.Get(ctx, a, kfAccount)
	if err != nil {
		return err
	}
	if nickname, err = checkNickname(nickname); err != nil {
		return err
	}
	_, err = s.DB.Exec(ctx, `UPDATE kf_accounts SET nickname = ? WHERE id = ?`, nickname, k.ID)
	return err
}

// Delete removes a kf account. The member keeps answering the inbox; their
// conversations stay assigned.
func (s *Service) Delete(ctx context.Context, a *account.Account, kfAccount string) (err error) {
	defer errs.Wrap(&err, "kf.Service.Delete(%d)", a.ID)
	k, err := s.Get(ctx, a, kfAccount)
	if err != nil {
		return err
	}
	_, err = s.DB.Exec(ctx, `DELETE FROM kf_accounts WHERE id = ?`, k.ID)
	return err
}

// SetHead records the media id of a kf account's head image.
func (s *Service) SetHead(ctx context.Context, a *account.Account, kfAccount, mediaID string) (err error) {
	defer errs.Wrap(&err, "kf.Service.SetHead(%d, %q)", a.ID, mediaID)
	k, err := s.Get(ctx, a, kfAccount)
	if err != nil {
		return err
	}
	_, err = s.DB.Exec(ctx, `UPDATE kf_accounts SET head_media_id = ? WHERE id = ?`, mediaID, k.ID)
	return err
}

// inboxRole reports whether personID answers the account's inbox.
func inboxRole(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) *sql.Row
}, accountID, personID int64) (bool, error) {
	var role string
	err := db.Get(q.QueryRow(ctx, `SELECT role FROM account_members WHERE account_id = ? AND person_id = ?`, accountID, personID), &role)
	if errors.Is(err, errs.NotFound) {
		return false, nil
	}
	return role == account.RoleOwner || role == account.RoleAdmin || role == account.RoleAgent, err
}

// Invite binds a kf account to the Herald user named inviteWX (a
// username). A member who already answers the inbox (owner, admin or
// agent) is bound at once; anyone else is invited, and the binding
// completes when an owner or admin adds them to the team with such a role
// within InviteTTL. Errors: 65407 when the kf account is bound, 65409 for
// an unknown user, 65410 when the user is bound to another kf account of
// this account, 65411 while an invitation waits.
func (s *Service) Invite(ctx context.Context, a *account.Account, kfAccount, inviteWX string) (err error) {
	defer errs.Wrap(&err, "kf.Service.Invite(%d)", a.ID)
	k, err := s.Get(ctx, a, kfAccount)
	if err != nil {
		return err
	}
	if k.PersonID != 0 {
		return coded(65407)
	}
	now := s.Clock.Now()
	if k.InviteStatus(now) == InviteWaiting {
		return coded(65411)
	}
	var personID int64
	var username string
	err = db.Get(s.DB.QueryRow(ctx, `SELECT id, username FROM people WHERE username = ?`, strings.ToLower(strings.TrimSpace(inviteWX))), &personID, &username)
	if errors.Is(err, errs.NotFound) || strings.TrimSpace(inviteWX) == "" {
		return coded(65409)
	}
	if err != nil {
		return err
	}
	other, err := s.ByPerson(ctx, a.ID, personID)
	if err != nil {
		return err
	}
	if other != nil {
		return coded(65410)
	}
	member, err := inboxRole(ctx, s.DB, a.ID, personID)
	if err != nil {
		return err
	}
	if member {
		_, err = s.DB.Exec(ctx, `UPDATE kf_accounts SET person_id = ?, invite_person_id = 0, invite_wx = '', invite_expires_at = 0 WHERE id = ? AND person_id = 0`, personID, k.ID)
		return err
	}
	_, err = s.DB.Exec(ctx, `UPDATE kf_accounts SET invite_person_id = ?, invite_wx = ?, invite_expires_at = ? WHERE id = ? AND person_id = 0`,
		personID, username, db.Micro(now.Add(InviteTTL)), k.ID)
	return err
}

// settle completes a waiting invitation whose person now answers the inbox.
func (s *Service) settle(ctx context.Context, accountID int64, k *Account) (*Account, error) {
	if k.InviteStatus(s.Clock.Now()) != InviteWaiting {
		return k, nil
	}
	member, err := inboxRole(ctx, s.DB, accountID, k.InvitePersonID)
	if err != nil || !member {
		return k, err
	}
	other, err := s.ByPerson(ctx, accountID, k.InvitePersonID)
	if err != nil || other != nil {
		return k, err
	}
	if _, err := s.DB.Exec(ctx, `UPDATE kf_accounts SET person_id = invite_person_id, invite_person_id = 0, invite_wx = '', invite_expires_at = 0
		WHERE id = ? AND person_id = 0`, k.ID); err != nil {
		return nil, err
	}
	k.PersonID, k.Username, k.InvitePersonID, k.InviteWX, k.InviteExpiresAt = k.InvitePersonID, k.InviteWX, 0, "", time.Time{}
	return k, nil
}

// List returns the account's kf accounts by kf_id.
func (s *Service) List(ctx context.Context, a *account.Account) (_ []*Account, err error) {
	defer errs.Wrap(&err, "kf.Service.List(%d)", a.ID)
	rows, err := s.DB.Query(ctx, `SELECT `+cols+from+` WHERE k.account_id = ? ORDER BY k.kf_id`, a.ID)
	ks, err := db.Collect(rows, err, func(r *sql.Rows) (*Account, error) { return scan(r) })
	if err != nil {
		return nil, err
	}
	for i, k := range ks {
		if ks[i], err = s.settle(ctx, a.ID, k); err != nil {
			return nil, err
		}
	}
	return ks, nil
}

// Online is a kf account whose member is signed in and was seen within
// OnlineWithin, with the number of conversations they hold.
type Online struct {
	*Account
	AcceptedCases int
}

// Online lists the bound kf accounts whose member is online.
func (s *Service) Online(ctx context.Context, a *account.Account) (_ []Online, err error) {
	defer errs.Wrap(&err, "kf.Service.Online(%d)", a.ID)
	ks, err := s.List(ctx, a)
	if err != nil {
		return nil, err
	}
	since := db.Micro(s.Clock.Now().Add(-OnlineWithin))
	var out []Online
	for _, k := range ks {
		if k.PersonID == 0 {
			continue
		}
		var seen, cases int
		if err := db.Get(s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE person_id = ? AND last_seen_at >= ?`, k.PersonID, since), &seen); err != nil {
			return nil, err
		}
		if seen == 0 {
			continue
		}
		if err := db.Get(s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM conversations WHERE account_id = ? AND inbox_state = 'assigned' AND assignee_id = ?`,
			a.ID, k.PersonID), &cases); err != nil {
			return nil, err
		}
		out = append(out, Online{Account: k, AcceptedCases: cases})
	}
	return out, nil
}

// worker returns the bound, still-answering member of a kf account: 65402
// when it is not bound, 65415 when its member no longer answers the inbox.
func (s *Service) worker(ctx context.Context, a *account.Account, kfAccount string) (*Account, error) {
	k, err := s.Get(ctx, a, kfAccount)
	if err != nil {
		return nil, err
	}
	if k.PersonID == 0 {
		return nil, coded(65402)
	}
	ok, err := inboxRole(ctx, s.DB, a.ID, k.PersonID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, coded(65415)
	}
	return k, nil
}

// Sender returns the member a message sent "as" kfAccount comes from.
func (s *Service) Sender(ctx context.Context, a *account.Account, kfAccount string) (_ int64, err error) {
	defer errs.Wrap(&err, "kf.Service.Sender(%d)", a.ID)
	k, err := s.worker(ctx, a, kfAccount)
	if err != nil {
		return 0, err
	}
	return k.PersonID, nil
}

// CreateSession gives the follower's conversation to the kf account's
// member (the inbox's take): 65413 when the follower never wrote, 65414
// when another agent has the conversation.
func (s *Service) CreateSession(ctx context.Context, a *account.Account, kfAccount string, personID int64) (err error) {
	defer errs.Wrap(&err, "kf.Service.CreateSession(%d, %d)", a.ID, personID)
	k, err := s.worker(ctx, a, kfAccount)
	if err != nil {
		return err
	}
	row, err := s.Inbox.Conversation(ctx, a.ID, personID)
	if errors.Is(err, errs.NotFound) {
		return coded(65413)
	}
	if err != nil {
		return err
	}
	if row.State == inbox.StateAssigned {
		if row.AssigneeID == k.PersonID {
			return nil
		}
		return coded(65414)
	}
	err = s.Inbox.Take(ctx, a.ID, personID, k.PersonID)
	if errs.KindOf(err) == errs.KindConflict {
		return coded(65414)
	}
	return err
}

// CloseSession closes the follower's conversation held by the kf
// account's member: 65413 when that member does not hold it.
func (s *Service) CloseSession(ctx context.Context, a *account.Account, kfAccount string, personID int64) (err error) {
	defer errs.Wrap(&err, "kf.Service.CloseSession(%d, %d)", a.ID, personID)
	k, err := s.Get(ctx, a, kfAccount)
	if err != nil {
		return err
	}
	row, err := s.Inbox.Conversation(ctx, a.ID, personID)
	if errors.Is(err, errs.NotFound) {
		return coded(65413)
	}
	if err != nil {
		return err
	}
	if k.PersonID == 0 || row.State != inbox.StateAssigned || row.AssigneeID != k.PersonID {
		return coded(65413)
	}
	err = s.Inbox.Close(ctx, a.ID, personID, k.PersonID)
	if errs.KindOf(err) == errs.KindConflict {
		return coded(65413)
	}
	return err
}

// sessionStart is when the member took the conversation last.
func (s *Service) sessionStart(ctx context.Context, accountID, personID, agentID int64) (time.Time, error) {
	var t int64
	err := db.Get(s.DB.QueryRow(ctx, `SELECT COALESCE(MAX(created_at), 0) FROM inbox_events
		WHERE account_id = ? AND person_id = ? AND assignee_id = ? AND action IN ('take', 'transfer')`, accountID, personID, agentID), &t)
	if err != nil || t == 0 {
		return time.Time{}, err
	}
	return db.FromMicro(t), nil
}

// Session is the follower's current kf session, if any: the kf account
// ("" when nobody with a kf account holds the conversation) and its start.
func (s *Service) Session(ctx context.Context, a *account.Account, personID int64) (_ string, _ time.Time, err error) {
	defer errs.Wrap(&err, "kf.Service.Session(%d, %d)", a.ID, personID)
	row, err := s.Inbox.Conversation(ctx, a.ID, personID)
	if errors.Is(err, errs.NotFound) {
		return "", time.Time{}, nil
	}
	if err != nil || row.State != inbox.StateAssigned {
		return "", time.Time{}, err
	}
	k, err := s.ByPerson(ctx, a.ID, row.AssigneeID)
	if err != nil || k == nil {
		return "", time.Time{}, err
	}
	start, err := s.sessionStart(ctx, a.ID, personID, row.AssigneeID)
	return k.Full(a), start, err
}

// SessionRow is one follower in a session or waiting for one.
type SessionRow struct {
	OpenID string
	At     time.Time // session start, or the follower's latest message
}

// Sessions lists the conversations the kf account's member holds (at most
// 100, longest-held first).
func (s *Service) Sessions(ctx context.Context, a *account.Account, kfAccount string) (_ []SessionRow, err error) {
	defer errs.Wrap(&err, "kf.Service.Sessions(%d)", a.ID)
	k, err := s.Get(ctx, a, kfAccount)
	if err != nil || k.PersonID == 0 {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT f.openid, c.person_id FROM conversations c JOIN follows f ON f.account_id = c.account_id AND f.person_id = c.person_id
		WHERE c.account_id = ? AND c.inbox_state = 'assigned' AND c.assignee_id = ? ORDER BY c.last_inbound_at, c.person_id LIMIT ?`, a.ID, k.PersonID, maxSessionList)
	type pair struct {
		openid string
		pid    int64
	}
	ps, err := db.Collect(rows, err, func(r *sql.Rows) (pair, error) {
		var p pair
		return p, r.Scan(&p.openid, &p.pid)
	})
	if err != nil {
		return nil, err
	}
	out := make([]SessionRow, 0, len(ps))
	for _, p := range ps {
		t, err := s.sessionStart(ctx, a.ID, p.pid, k.PersonID)
		if err != nil {
			return nil, err
		}
		out = append(out, SessionRow{OpenID: p.openid, At: t})
	}
	return out, nil
}

// WaitCases returns how many followers wait for an agent and the first 100
// of them, longest waiting first.
func (s *Service) WaitCases(ctx context.Context, a *account.Account) (_ int, _ []SessionRow, err error) {
	defer errs.Wrap(&err, "kf.Service.WaitCases(%d)", a.ID)
	var n int
	if err := db.Get(s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM conversations WHERE account_id = ? AND inbox_state = 'open'`, a.ID), &n); err != nil {
		return 0, nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT f.openid, c.last_inbound_at FROM conversations c JOIN follows f ON f.account_id = c.account_id AND f.person_id = c.person_id
		WHERE c.account_id = ? AND c.inbox_state = 'open' ORDER BY c.last_inbound_at, c.person_id LIMIT ?`, a.ID, maxSessionList)
	list, err := db.Collect(rows, err, func(r *sql.Rows) (SessionRow, error) {
		var sr SessionRow
		var t int64
		err := r.Scan(&sr.OpenID, &t)
		sr.At = db.FromMicro(t)
		return sr, err
	})
	return n, list, err
}

// Events pushes the kf_*_session events of the inbox's changes. It works
// without the inbox, so the inbox is given its SessionChanged when it is
// built, before the Service that takes and closes conversations through it.
type Events struct {
	db    *db.DB
	clock clock.Clock
	accts *account.Store
	push  Notifier
	log   *slog.Logger
}

// NewEvents returns the Events that tell push (nil: nobody) of sessions
// changing hands.
func NewEvents(d *db.DB, c clock.Clock, accts *account.Store, push Notifier, log *slog.Logger) *Events {
	return &Events{db: d, clock: c, accts: accts, push: push, log: log}
}

// SessionChanged turns an inbox change into the kf event WeChat pushes:
// kf_create_session when a kf account's member takes a conversation,
// kf_switch_session when it passes between two kf accounts, and
// kf_close_session when a kf account's member closes it or hands it to a
// member without a kf account. The inbox calls it after each committed
// change; the event goes through the push engine's durable queue.
func (e *Events) SessionChanged(ctx context.Context, ch inbox.Change) {
	if e == nil || e.push == nil {
		return
	}
	if err := e.pushChange(context.WithoutCancel(ctx), ch); err != nil && e.log != nil {
		e.log.Error("kf session event", slog.Int64("account", ch.AccountID), slog.Any("error", err))
	}
}

func (e *Events) pushChange(ctx context.Context, ch inbox.Change) (err error) {
	defer errs.Wrap(&err, "kf.Events.pushChange(%d, %d)", ch.AccountID, ch.PersonID)
	a, err := e.accts.ByID(ctx, ch.AccountID)
	if err != nil {
		return err
	}
	fromK, err := byPerson(ctx, e.db, ch.AccountID, ch.From)
	if err != nil {
		return err
	}
	toK, err := byPerson(ctx, e.db, ch.AccountID, ch.To)
	if err != nil {
		return err
	}
	var openid string
	if err := db.Get(e.db.QueryRow(ctx, `SELECT openid FROM follows WHERE account_id = ? AND person_id = ?`, ch.AccountID, ch.PersonID), &openid); err != nil {
		return err
	}
	if fromK == nil && toK == nil {
		return nil
	}
	var from, to string
	if fromK != nil {
		from = fromK.Full(a)
	}
	if toK != nil {
		to = toK.Full(a)
	}
	return e.push.KfSessionChanged(ctx, a, openid, ch.PersonID, e.clock.Now(), from, to)
}

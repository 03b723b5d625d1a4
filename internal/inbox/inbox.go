// Package inbox is the customer-service inbox of an account: every
// follower message lands in a conversation (see internal/message), which
// members with the inbox permission take, answer, annotate with internal
// notes, transfer to a colleague and close. Replies go through
// message.Service.Send, which enforces WeChat's 48-hour window.
package inbox

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/realtime"
)

// Inbox states of a conversation (conversations.inbox_state).
const (
	StateNone     = "none"     // never needed an answer
	StateOpen     = "open"     // waiting for an agent
	StateAssigned = "assigned" // an agent has taken it
	StateClosed   = "closed"   // done; a new follower message reopens it
)

// History actions.
const (
	ActionTake     = "take"
	ActionTransfer = "transfer"
	ActionClose    = "close"
	ActionReopen   = "reopen"
)

// MaxNoteRunes is the longest internal note.
const MaxNoteRunes = 2000

// Store runs the inbox.
type Store struct {
	db    *db.DB
	clock clock.Clock
	bus   realtime.Bus
	chat  *message.Service
	// onChange hears of every take, transfer and close after it is
	// committed (the developer API pushes kf_*_session events from it).
	onChange func(ctx context.Context, ch Change)
}

// Change is one committed change of a conversation's assignment: From is
// the agent who had it (0 when nobody), To the agent who has it now (0
// after a close).
type Change struct {
	AccountID, PersonID int64
	Action              string // ActionTake, ActionTransfer or ActionClose
	From, To            int64
}

func (s *Store) changed(ctx context.Context, ch Change) {
	if s.onChange != nil && ch.From != ch.To {
		s.onChange(ctx, ch)
	}
}

// NewStore returns a Store; chat delivers agents' replies, bus announces
// inbox changes to the account's console pages, and onChange (nil: nobody)
// hears of each committed change of a conversation's assignment.
func NewStore(d *db.DB, c clock.Clock, bus realtime.Bus, chat *message.Service, onChange func(context.Context, Change)) *Store {
	return &Store{db: d, clock: c, bus: bus, chat: chat, onChange: onChange}
}

// Row is one conversation in the queue.
type Row struct {
	PersonID        int64
	OpenID          string
	DisplayName     string
	AvatarPath      string
	Remark          string
	Blocked         bool
	LastPreview     string
	LastAt          time.Time
	LastInboundAt   time.Time
	WindowExpiresAt time.Time
	WindowRemaining int
	Unread          int
	State           string
	AssigneeID      int64
	AssigneeName    string
}

// Name is how the console names the follower: the remark, else the
// display name.
func (r *Row) Name() string {
	if r.Remark != "" {
		return r.Remark
	}
	return r.DisplayName
}

// WindowOpen reports whether free-form replies are allowed at t.
func (r *Row) WindowOpen(t time.Time) bool {
	return r.WindowExpiresAt.After(t) && r.WindowRemaining > 0
}

// Filter selects the queue.
type Filter struct {
	View       string // "waiting" (open), "mine", "assigned" (all assigned), "closed"; default: open and assigned
	AssigneeID int64  // for "mine"
	Limit      int
}

const rowCols = `c.person_id, COALESCE(f.openid, ''), p.display_name, p.avatar_path, COALESCE(f.remark, ''), COALESCE(f.blocked, FALSE),
	c.last_preview, c.last_at, c.last_inbound_at, c.window_expires_at, c.window_remaining, c.account_unread, c.inbox_state, c.assignee_id,
	COALESCE(ap.display_name, '')`

const rowFrom = ` FROM conversations c
	JOIN people p ON p.id = c.person_id
	LEFT JOIN follows f ON f.account_id = c.account_id AND f.person_id = c.person_id
	LEFT JOIN people ap ON ap.id = c.assignee_id`

func scanRow(sc interface{ Scan(...any) error }) (*Row, error) {
	var r Row
	var last, inbound, win int64
	err := sc.Scan(&r.PersonID, &r.OpenID, &r.DisplayName, &r.AvatarPath, &r.Remark, &r.Blocked, &r.LastPreview, &last, &inbound, &win,
		&r.WindowRemaining, &r.Unread, &r.State, &r.AssigneeID, &r.AssigneeName)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, db.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	r.LastAt, r.LastInboundAt, r.WindowExpiresAt = db.FromMicro(last), db.FromMicro(inbound), db.FromMicro(win)
	return &r, nil
}

// Queue lists the account's conversations for the inbox, the longest
// waiting first (closed ones: most recent first).
func (s *Store) Queue(ctx context.Context, accountID int64, f Filter) (_ []*Row, err error) {
	defer errs.Wrap(&err, "inbox.Store.Queue(%d)", accountID)
	q, args := queueSQL(accountID, f)
	rows, err := s.db.Query(ctx, q, args...)
	return db.Collect(rows, err, func(r *sql.Rows) (*Row, error) { return scanRow(r) })
}

// queueSQL is Queue's statement and its arguments. Each view's order is
// an index's (conversations_inbox for one state, conversations_queue for
// waiting and assigned together, conversations_closed for closed ones),
// so a page reads its own rows rather than sorting all of the view's.
func queueSQL(accountID int64, f Filter) (string, []any) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	where := ` WHERE c.account_id = ?`
	args := []any{accountID}
	order := ` ORDER BY c.last_inbound_at, c.person_id`
	switch f.View {
	case "waiting":
		where += ` AND c.inbox_state = 'open'`
	case "mine":
		where += ` AND c.inbox_state = 'assigned' AND c.assignee_id = ?`
		args = append(args, f.AssigneeID)
	case "assigned":
		where += ` AND c.inbox_state = 'assigned'`
	case "closed":
		where += ` AND c.inbox_state = 'closed'`
		order = ` ORDER BY c.last_at DESC, c.person_id`
	default:
		where += ` AND c.inbox_state IN ('open', 'assigned')`
	}
	args = append(args, f.Limit)
	return `SELECT ` + rowCols + rowFrom + where + order + ` LIMIT ?`, args
}

// CountCap is the largest number an inbox tab shows exactly: above it the
// tab shows "999+". Each count stops at CountCap+1 rows, so counting reads
// at most that many index entries per tab however many conversations are
// open (summing all of them cost 4-9 ms on SQLite and 35-195 ms on
// PostgreSQL at 10,000 open conversations, on every inbox page). The
// count is read from the conversations themselves, so it is right on
// every node at once.
const CountCap = 999

// Count is the number of conversations of a tab, counted up to
// CountCap+1.
type Count int

// String is the count as a tab shows it: "999+" above CountCap.
func (n Count) String() string {
	if n > CountCap {
		return strconv.Itoa(CountCap) + "+"
	}
	return strconv.Itoa(int(n))
}

// Counts is the number of conversations per view.
type Counts struct {
	Waiting, Mine, Assigned Count
}

// countsSQL counts each tab up to CountCap+1 rows: waiting and taken ones
// from conversations_inbox, the agent's own from conversations_mine. The
// limit is written into the statement so that PostgreSQL plans for it.
var countsSQL = strings.ReplaceAll(`SELECT
		(SELECT COUNT(*) FROM (SELECT 1 FROM conversations WHERE account_id = ? AND inbox_state = 'open' LIMIT $cap) w),
		(SELECT COUNT(*) FROM (SELECT 1 FROM conversations WHERE account_id = ? AND inbox_state = 'assigned' AND assignee_id = ? LIMIT $cap) m),
		(SELECT COUNT(*) FROM (SELECT 1 FROM conversations WHERE account_id = ? AND inbox_state = 'assigned' LIMIT $cap) a)`,
	"$cap", strconv.Itoa(CountCap+1))

// Counts returns the queue sizes shown on the inbox tabs, each up to
// CountCap+1.
func (s *Store) Counts(ctx context.Context, accountID, agentID int64) (_ Counts, err error) {
	defer errs.Wrap(&err, "inbox.Store.Counts(%d, %d)", accountID, agentID)
	var c Counts
	err = db.Get(s.db.QueryRow(ctx, countsSQL, accountID, accountID, agentID, accountID),
		&c.Waiting, &c.Mine, &c.Assigned)
	return c, err
}

// Conversation returns one conversation of the account.
func (s *Store) Conversation(ctx context.Context, accountID, personID int64) (_ *Row, err error) {
	defer errs.Wrap(&err, "inbox.Store.Conversation(%d, %d)", accountID, personID)
	r, err := scanRow(s.db.QueryRow(ctx, `SELECT `+rowCols+rowFrom+` WHERE c.account_id = ? AND c.person_id = ?`, accountID, personID))
	if errors.Is(err, errs.NotFound) {
		return nil, errs.NotFoundf("There is no conversation with this follower.")
	}
	return r, err
}

// MarkRead clears the account's unread counter of a conversation.
func (s *Store) MarkRead(ctx context.Context, accountID, personID int64) (err error) {
	defer errs.Wrap(&err, "inbox.Store.MarkRead(%d, %d)", accountID, personID)
	_, err = s.db.Exec(ctx, `UPDATE conversations SET account_unread = 0 WHERE account_id = ? AND person_id = ? AND account_unread <> 0`, accountID, personID)
	return err
}

// Errors.
var (
	ErrNotAgent = errs.FieldInvalid("to", "Conversations can only go to members who answer the inbox (owner, admin or agent).")
	ErrClosed   = errs.Conflictf("This conversation is closed; it opens again when the follower writes.")
)

// Take assigns an open (or closed) conversation to agentID. A conversation
// another agent has taken must be transferred instead.
func (s *Store) Take(ctx context.Context, accountID, personID, agentID int64) (err error) {
	defer errs.Wrap(&err, "inbox.Store.Take(%d, %d, %d)", accountID, personID, agentID)
	return s.assign(ctx, accountID, personID, agentID, agentID, ActionTake)
}

// Transfer hands a conversation to another member who may answer the inbox.
func (s *Store) Transfer(ctx context.Context, accountID, personID, actorID, toID int64) (err error) {
	defer errs.Wrap(&err, "inbox.Store.Transfer(%d, %d, %d, %d)", accountID, personID, actorID, toID)
	return s.assign(ctx, accountID, personID, actorID, toID, ActionTransfer)
}

func (s *Store) assign(ctx context.Context, accountID, personID, actorID, toID int64, action string) error {
	now := db.Micro(s.clock.Now())
	var from int64
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var role string
		err := db.Get(tx.QueryRow(ctx, `SELECT role FROM account_members WHERE account_id = ? AND person_id = ?`, accountID, toID), &role)
		if errors.Is(err, errs.NotFound) || (err == nil && role != "owner" && role != "admin" && role != "agent") {
			return ErrNotAgent
		}
		if err != nil {
			return err
		}
		var state string
		var assignee int64
		err = db.Get(tx.QueryRow(ctx, `SELECT inbox_state, assignee_id FROM conversations WHERE account_id = ? AND person_id = ?`, accountID, personID), &state, &assignee)
		if errors.Is(err, errs.NotFound) {
			return errs.NotFoundf("There is no conversation with this follower.")
		}
		if err != nil {
			return err
		}
		if action == ActionTake && state == StateAssigned && assignee != toID && assignee != 0 {
			var name string
			_ = db.Get(tx.QueryRow(ctx, `SELECT display_name FROM people WHERE id = ?`, assignee), &name)
			return errs.Conflictf("%s has already taken this conversation.", name)
		}
		if action == ActionTransfer && (state == StateClosed || state == StateNone) {
			return ErrClosed
		}
		from = 0
		if state == StateAssigned {
			from = assignee
		}
		// The condition makes two agents taking at once safe on PostgreSQL
		// too: only one update finds the conversation still untaken.
		res, err := tx.Exec(ctx, `UPDATE conversations SET inbox_state = 'assigned', assignee_id = ?
			WHERE account_id = ? AND person_id = ? AND inbox_state = ? AND assignee_id = ?`,
			toID, accountID, personID, state, assignee)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Conflictf("Someone else changed this conversation just now. Look again.")
		}
		_, err = tx.Exec(ctx, `INSERT INTO inbox_events (id, account_id, person_id, action, actor_id, assignee_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id.New(), accountID, personID, action, actorID, toID, now)
		return err
	})
	if err != nil {
		return err
	}
	s.announce(accountID, personID, StateAssigned, toID)
	s.changed(ctx, Change{AccountID: accountID, PersonID: personID, Action: action, From: from, To: toID})
	return nil
}

// Close closes a conversation; the follower's next message reopens it.
func (s *Store) Close(ctx context.Context, accountID, personID, actorID int64) (err error) {
	defer errs.Wrap(&err, "inbox.Store.Close(%d, %d, %d)", accountID, personID, actorID)
	now := db.Micro(s.clock.Now())
	var from int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := db.Get(tx.QueryRow(ctx, `SELECT assignee_id FROM conversations WHERE account_id = ? AND person_id = ?`, accountID, personID), &from); err != nil && !errors.Is(err, errs.NotFound) {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE conversations SET inbox_state = 'closed', assignee_id = 0, account_unread = 0
			WHERE account_id = ? AND person_id = ? AND inbox_state IN ('open', 'assigned')`, accountID, personID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Conflictf("This conversation is not open.")
		}
		_, err = tx.Exec(ctx, `INSERT INTO inbox_events (id, account_id, person_id, action, actor_id, assignee_id, created_at) VALUES (?, ?, ?, 'close', ?, 0, ?)`,
			id.New(), accountID, personID, actorID, now)
		return err
	})
	if err != nil {
		return err
	}
	s.announce(accountID, personID, StateClosed, 0)
	s.changed(ctx, Change{AccountID: accountID, PersonID: personID, Action: ActionClose, From: from})
	return nil
}

func (s *Store) announce(accountID, personID int64, state string, assignee int64) {
	if s.bus == nil {
		return
	}
	s.bus.Publish(realtime.AccountTopic(accountID), realtime.Event{Type: "inbox", Data: map[string]any{
		"account_id": accountID, "person_id": personID, "state": state, "assignee_id": assignee,
	}})
}

// Reply sends an agent's message to the follower through the message
// service (which enforces the 48-hour window and count, the blacklist and
// the account's status). Answering an open conversation takes it.
func (s *Store) Reply(ctx context.Context, accountID, personID, agentID int64, kind string, body message.Body) (_ *message.Message, err error) {
	defer errs.Wrap(&err, "inbox.Store.Reply(%d, %d, %d)", accountID, personID, agentID)
	row, err := s.Conversation(ctx, accountID, personID)
	if err != nil {
		return nil, err
	}
	switch kind {
	case message.KindText, message.KindImage, message.KindNews:
	default:
		return nil, errs.Invalidf("Agents reply with text, an image or an article card.")
	}
	m, err := s.chat.Send(ctx, accountID, personID, kind, message.SenderAgent, agentID, body)
	if err != nil {
		return nil, err
	}
	if row.State == StateOpen || row.State == StateClosed || row.State == StateNone {
		if err := s.Take(ctx, accountID, personID, agentID); err != nil {
			return m, nil // delivered; the assignment is secondary
		}
	}
	return m, nil
}

// Note is an internal note on a conversation, never sent to the follower.
type Note struct {
	ID         int64
	AuthorID   int64
	AuthorName string
	Body       string
	CreatedAt  time.Time
}

// AddNote adds an internal note.
func (s *Store) AddNote(ctx context.Context, accountID, personID, authorID int64, body string) (_ *Note, err error) {
	defer errs.Wrap(&err, "inbox.Store.AddNote(%d, %d, %d)", accountID, personID, authorID)
	body = strings.TrimSpace(body)
	if body == "" {
		return nil, errs.FieldInvalid("note", "Write the note first.")
	}
	if utf8.RuneCountInString(body) > MaxNoteRunes {
		return nil, errs.FieldInvalid("note", "A note has at most %d characters.", MaxNoteRunes)
	}
	if _, err := s.Conversation(ctx, accountID, personID); err != nil {
		return nil, err
	}
	n := &Note{ID: id.New(), AuthorID: authorID, Body: body, CreatedAt: s.clock.Now()}
	if _, err := s.db.Exec(ctx, `INSERT INTO inbox_notes (id, account_id, person_id, author_id, body, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		n.ID, accountID, personID, authorID, body, db.Micro(n.CreatedAt)); err != nil {
		return nil, err
	}
	if s.bus != nil {
		s.bus.Publish(realtime.AccountTopic(accountID), realtime.Event{Type: "note", Data: map[string]any{"account_id": accountID, "person_id": personID}})
	}
	return n, nil
}

// Notes returns a conversation's notes, oldest first.
func (s *Store) Notes(ctx context.Context, accountID, personID int64) (_ []*Note, err error) {
	defer errs.Wrap(&err, "inbox.Store.Notes(%d, %d)", accountID, personID)
	rows, err := s.db.Query(ctx, `SELECT n.id, n.author_id, p.display_name, n.body, n.created_at FROM inbox_notes n JOIN people p ON p.id = n.author_id
		WHERE n.account_id = ? AND n.person_id = ? ORDER BY n.id`, accountID, personID)
	return db.Collect(rows, err, func(r *sql.Rows) (*Note, error) {
		var n Note
		var created int64
		if err := r.Scan(&n.ID, &n.AuthorID, &n.AuthorName, &n.Body, &created); err != nil {
			return nil, err
		}
		n.CreatedAt = db.FromMicro(created)
		return &n, nil
	})
}

// Event is one entry of a conversation's assignment history.
type Event struct {
	Action       string
	ActorName    string
	AssigneeName string
	CreatedAt    time.Time
}

// History returns a conversation's takes, transfers and closes, oldest first.
func (s *Store) History(ctx context.Context, accountID, personID int64) (_ []*Event, err error) {
	defer errs.Wrap(&err, "inbox.Store.History(%d, %d)", accountID, personID)
	rows, err := s.db.Query(ctx, `SELECT e.action, COALESCE(a.display_name, ''), COALESCE(b.display_name, ''), e.created_at
		FROM inbox_events e LEFT JOIN people a ON a.id = e.actor_id LEFT JOIN people b ON b.id = e.assignee_id
		WHERE e.account_id = ? AND e.person_id = ? ORDER BY e.id`, accountID, personID)
	return db.Collect(rows, err, func(r *sql.Rows) (*Event, error) {
		var e Event
		var created int64
		if err := r.Scan(&e.Action, &e.ActorName, &e.AssigneeName, &created); err != nil {
			return nil, err
		}
		e.CreatedAt = db.FromMicro(created)
		return &e, nil
	})
}

// Agents lists the members who may answer the inbox (for transfers).
func (s *Store) Agents(ctx context.Context, accountID int64) (_ []Agent, err error) {
	defer errs.Wrap(&err, "inbox.Store.Agents(%d)", accountID)
	rows, err := s.db.Query(ctx, `SELECT m.person_id, p.display_name, m.role FROM account_members m JOIN people p ON p.id = m.person_id
		WHERE m.account_id = ? AND m.role IN ('owner', 'admin', 'agent') ORDER BY p.display_name, m.person_id`, accountID)
	return db.Collect(rows, err, func(r *sql.Rows) (Agent, error) {
		var a Agent
		return a, r.Scan(&a.PersonID, &a.Name, &a.Role)
	})
}

// Agent is a member who answers the inbox.
type Agent struct {
	PersonID int64
	Name     string
	Role     string
}

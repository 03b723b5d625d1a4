// Package message is the conversation between a follower and an account:
// stored messages, the chat list and unread counters, the customer-service
// window (WeChat's 48-hour rule) and the pipeline that answers a follower
// (developer server, then auto-replies) — see service.go.
package message

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/jsonmemo"
	"github.com/heraldoa/herald/internal/realtime"
)

// Directions.
const (
	In  = "in"  // follower → account
	Out = "out" // account → follower
)

// Kinds of message.
const (
	KindText        = "text"
	KindImage       = "image"
	KindVoice       = "voice"
	KindVideo       = "video"
	KindLocation    = "location"
	KindLink        = "link"
	KindNews        = "news"        // article cards (auto-reply, API)
	KindMusic       = "music"       // passive reply / API
	KindPublication = "publication" // a mass-sent publication (Service accounts)
	KindTemplate    = "template"    // a template message
	KindNotice      = "notice"      // a notice from the platform itself
	KindProduct     = "product"     // a product card
	KindReceipt     = "receipt"     // a payment receipt
)

// Senders.
const (
	SenderFollower  = "follower"
	SenderAutoReply = "autoreply"
	SenderAgent     = "agent"
	SenderAPI       = "api"       // customer-service API (message/custom/send)
	SenderDeveloper = "developer" // a passive reply from the developer's server
	SenderMass      = "mass"
	SenderSystem    = "system"
)

// Article is one card of a news message.
type Article struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url,omitempty"`
	PicURL      string `json:"picurl,omitempty"`
}

// Body is a message's content; which fields are set depends on the kind.
type Body struct {
	Text          string    `json:"text,omitempty"`           // text, notice
	MediaKey      string    `json:"media,omitempty"`          // image, voice, video: key in the media store
	MediaType     string    `json:"media_type,omitempty"`     // its content type
	ThumbKey      string    `json:"thumb,omitempty"`          // video: the cover image's key in the media store
	ThumbType     string    `json:"thumb_type,omitempty"`     // its content type
	Short         bool      `json:"short,omitempty"`          // video: a short video recorded in the app (WeChat's shortvideo)
	MediaID       string    `json:"media_id,omitempty"`       // WeChat media_id, when sent through the API
	Lat           float64   `json:"lat,omitempty"`            // location
	Lng           float64   `json:"lng,omitempty"`            // location
	Scale         int       `json:"scale,omitempty"`          // location
	Label         string    `json:"label,omitempty"`          // location
	Title         string    `json:"title,omitempty"`          // link, video, music, template, product
	Description   string    `json:"description,omitempty"`    // link, video, music
	URL           string    `json:"url,omitempty"`            // link, music, template, product
	Articles      []Article `json:"articles,omitempty"`       // news
	PublicationID int64     `json:"publication_id,omitempty"` // publication
	Data          any       `json:"data,omitempty"`           // template fields, product, receipt
}

// Message is one stored message.
type Message struct {
	ID        int64     `json:"id,string"`
	AccountID int64     `json:"account_id,string"`
	PersonID  int64     `json:"-"`
	Direction string    `json:"direction"`
	Kind      string    `json:"kind"`
	Sender    string    `json:"sender"`
	AgentID   int64     `json:"agent_id,string,omitempty"`
	Body      Body      `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// Preview is the one-line summary shown in chat lists and the inbox.
func (m *Message) Preview() string {
	switch m.Kind {
	case KindText, KindNotice:
		return truncate(m.Body.Text, 60)
	case KindImage:
		return "[Image]"
	case KindVoice:
		return "[Voice]"
	case KindVideo:
		return "[Video]"
	case KindLocation:
		return "[Location] " + truncate(m.Body.Label, 40)
	case KindLink:
		return "[Link] " + truncate(m.Body.Title, 50)
	case KindNews:
		if len(m.Body.Articles) > 0 {
			return "[Article] " + truncate(m.Body.Articles[0].Title, 50)
		}
		return "[Article]"
	case KindMusic:
		return "[Music] " + truncate(m.Body.Title, 50)
	case KindPublication:
		return "[Publication] " + truncate(m.Body.Title, 50)
	case KindTemplate:
		return truncate(m.Body.Title, 60)
	case KindProduct:
		return "[Product] " + truncate(m.Body.Title, 50)
	case KindReceipt:
		return "[Payment] " + truncate(m.Body.Title, 50)
	}
	return "[" + m.Kind + "]"
}

func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// Store reads and writes messages and conversations.
type Store struct {
	db    *db.DB
	clock clock.Clock
	bus   realtime.Bus

	onOutTx OutTxHook
}

// OutTxHook runs inside the transaction that stores each message an
// account sends into one conversation (a mass send's bulk rows do not pass
// here): work that must exist exactly when the message does, such as a
// notification to the follower's devices, is queued there.
type OutTxHook func(ctx context.Context, tx *db.Tx, m *Message) error

// NewStore returns a Store that announces new messages on bus.
func NewStore(d *db.DB, c clock.Clock, bus realtime.Bus) *Store {
	return NewStoreWith(d, c, bus, nil)
}

// NewStoreWith returns a Store that announces new messages on bus and runs
// onOutTx (nil: nothing) in the transaction storing each account message.
func NewStoreWith(d *db.DB, c clock.Clock, bus realtime.Bus, onOutTx OutTxHook) *Store {
	return &Store{db: d, clock: c, bus: bus, onOutTx: onOutTx}
}

// Window lengths and message counts for customer-service messages, as on
// WeChat: a follower's message opens 5 messages for 48 hours; a menu click,
// a follow or a scan opens 3 for one minute.
const (
	MessageWindow      = 48 * time.Hour
	MessageWindowCount = 5
	ActionWindow       = time.Minute
	ActionWindowCount  = 3
)

// Append stores m (giving it an ID and time) and updates the conversation:
// unread counters, last message, and for a follower's message the
// customer-service window and the inbox. It then announces the message to the
// follower and to the account's console.
func (s *Store) Append(ctx context.Context, m *Message) (err error) {
	defer errs.Wrap(&err, "message.Store.Append(%d, %d, %d)", m.ID, m.AccountID, m.PersonID)
	return s.db.Tx(ctx, func(tx *db.Tx) error { return s.appendTx(ctx, tx, m) })
}

// AppendAll stores messages in one transaction, and only if guard (run
// first, in that transaction) says so; it reports whether they were
// stored. A queued reply uses it to store the replies together with the
// job's step, so that a node taking the job over does not store them again.
func (s *Store) AppendAll(ctx context.Context, ms []*Message, guard func(tx *db.Tx) (bool, error)) (_ bool, err error) {
	defer errs.Wrap(&err, "message.Store.AppendAll()")
	var stored bool
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		stored = false
		if guard != nil {
			ok, err := guard(tx)
			if err != nil || !ok {
				return err
			}
		}
		for _, m := range ms {
			if err := s.appendTx(ctx, tx, m); err != nil {
				return err
			}
		}
		stored = true
		return nil
	})
	return stored, err
}

// appendTx stores m in tx and announces it once tx commits.
func (s *Store) appendTx(ctx context.Context, tx *db.Tx, m *Message) error {
	if m.ID == 0 {
		m.ID = id.New()
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = s.clock.Now()
	}
	body, err := json.Marshal(m.Body)
	if err != nil {
		return err
	}
	now := db.Micro(m.CreatedAt)
	preview := m.Preview()
	tx.AfterCommit(func() { s.announce(m) })
	if _, err := tx.Exec(ctx, `INSERT INTO messages (id, account_id, person_id, direction, kind, sender, agent_id, body, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.ID, m.AccountID, m.PersonID, m.Direction, m.Kind, m.Sender, m.AgentID, string(body), now); err != nil {
		return err
	}
	if m.Direction == In {
		winEnd := db.Micro(m.CreatedAt.Add(MessageWindow))
		_, err := tx.Exec(ctx, `INSERT INTO conversations (account_id, person_id, last_message_id, last_at, last_preview, account_unread,
				last_inbound_at, window_expires_at, window_remaining, inbox_state)
			VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, 'open')
			ON CONFLICT (account_id, person_id) DO UPDATE SET last_message_id = excluded.last_message_id, last_at = excluded.last_at,
				last_preview = excluded.last_preview, account_unread = conversations.account_unread + 1,
				last_inbound_at = excluded.last_inbound_at, window_expires_at = excluded.window_expires_at,
				window_remaining = excluded.window_remaining,
				inbox_state = CASE WHEN conversations.inbox_state IN ('none', 'closed') THEN 'open' ELSE conversations.inbox_state END`,
			m.AccountID, m.PersonID, m.ID, now, preview, now, winEnd, MessageWindowCount)
		return err
	}
	if _, err = tx.Exec(ctx, ConversationOutInsert+`VALUES (?, ?, ?, ?, ?, 1)`+ConversationOutUpsert,
		m.AccountID, m.PersonID, m.ID, now, preview); err != nil || s.onOutTx == nil {
		return err
	}
	return s.onOutTx(ctx, tx, m)
}

// An account's messages become their conversations' last, counted unread
// for the follower, with ConversationOutInsert, rows (VALUES or a SELECT of
// account_id, person_id, last_message_id, last_at, last_preview and how
// many messages), then ConversationOutUpsert. Append writes one; a mass
// send writes every recipient's in one statement.
const (
	ConversationOutInsert = `INSERT INTO conversations (account_id, person_id, last_message_id, last_at, last_preview, follower_unread) `
	ConversationOutUpsert = `
		ON CONFLICT (account_id, person_id) DO UPDATE SET last_message_id = excluded.last_message_id, last_at = excluded.last_at,
			last_preview = excluded.last_preview, follower_unread = conversations.follower_unread + excluded.follower_unread`
)

func (s *Store) announce(m *Message) {
	if s.bus == nil {
		return
	}
	ev := realtime.Event{Type: "message", ID: strconv.FormatInt(m.ID, 10), Data: m}
	s.bus.Publish(realtime.PersonTopic(m.PersonID), ev)
	s.bus.Publish(realtime.AccountTopic(m.AccountID), realtime.Event{Type: "message", ID: ev.ID, Data: map[string]any{
		"account_id": m.AccountID, "person_id": m.PersonID, "message": m,
	}})
}

const msgCols = `id, account_id, person_id, direction, kind, sender, agent_id, body, created_at`

func scanMessage(sc interface{ Scan(...any) error }) (*Message, error) {
	var m Message
	var body string
	var created int64
	if err := sc.Scan(&m.ID, &m.AccountID, &m.PersonID, &m.Direction, &m.Kind, &m.Sender, &m.AgentID, &body, &created); err != nil {
		return nil, err
	}
	if err := bodies.Decode(body, &m.Body); err != nil {
		return nil, err
	}
	m.CreatedAt = db.FromMicro(created)
	return &m, nil
}

// bodies keeps the decoded bodies of messages read before: a conversation
// is read again on every view of it, and decoding its bodies (templates'
// and receipts' data above all) was about a tenth of the conversation
// page's work. Kept by their text, they are never stale.
var bodies = jsonmemo.New(4096, 4096, func(b Body) Body {
	b.Articles = slices.Clone(b.Articles)
	b.Data = jsonmemo.CloneAny(b.Data)
	return b
})

// Since returns up to limit of the person's messages (every account) whose
// id is above afterID, oldest first, broadcasts they received included:
// what a reconnecting live stream replays.
func (s *Store) Since(ctx context.Context, personID, afterID int64, limit int) (_ []*Message, err error) {
	defer errs.Wrap(&err, "message.Store.Since(%d, %d, %d)", personID, afterID, limit)
	rows, err := s.db.Query(ctx, `SELECT * FROM (SELECT `+msgCols+` FROM messages WHERE person_id = ? AND id > ? ORDER BY id LIMIT ?) m
		UNION ALL SELECT * FROM (SELECT `+broadcastCols+broadcastFrom+` WHERE b.id > ? ORDER BY b.id LIMIT ?) b
		ORDER BY 1 LIMIT ?`, personID, afterID, limit, personID, afterID, limit, limit)
	return db.Collect(rows, err, func(r *sqlRows) (*Message, error) { return scanMessage(r) })
}

// AccountSince returns up to limit of the account's messages after afterID
// that its inbox hears live (all but mass sends), oldest first: the replay
// of a reconnecting console stream.
func (s *Store) AccountSince(ctx context.Context, accountID, afterID int64, limit int) (_ []*Message, err error) {
	defer errs.Wrap(&err, "message.Store.AccountSince(%d, %d, %d)", accountID, afterID, limit)
	rows, err := s.db.Query(ctx, `SELECT `+msgCols+` FROM messages WHERE account_id = ? AND sender <> 'mass' AND id > ?
		ORDER BY id LIMIT ?`, accountID, afterID, limit)
	return db.Collect(rows, err, func(r *sqlRows) (*Message, error) { return scanMessage(r) })
}

// AccountNewest returns the id of the account's newest message its inbox
// hears live (0: none).
func (s *Store) AccountNewest(ctx context.Context, accountID int64) (_ int64, err error) {
	defer errs.Wrap(&err, "message.Store.AccountNewest(%d)", accountID)
	var id int64
	err = db.Get(s.db.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM messages WHERE account_id = ? AND sender <> 'mass'`, accountID), &id)
	return id, err
}

// History returns up to limit messages of a conversation older than
// beforeID (0: the newest), oldest first: the conversation's own messages
// and the account's broadcasts the person received, in id order.
func (s *Store) History(ctx context.Context, accountID, personID, beforeID int64, limit int) (_ []*Message, err error) {
	defer errs.Wrap(&err, "message.Store.History(%d, %d, %d, %d)", accountID, personID, beforeID, limit)
	if beforeID == 0 {
		beforeID = 1<<63 - 1
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var rows *sqlRows
	if s.db.Dialect() == db.SQLite {
		// SQLite: one ORDER BY over the UNION ALL of the two index ranges
		// merges them as read, newest first by each side's index
		// (messages_conversation, broadcasts_account), and stops at limit
		// rows (MERGE (UNION ALL) with no sort). The form below made it
		// copy each side into a temporary b-tree and sort it again: half of
		// the statement's work on the conversation page.
		rows, err = s.db.Query(ctx, `SELECT `+msgCols+` FROM messages WHERE account_id = ? AND person_id = ? AND id < ?
			UNION ALL SELECT `+broadcastCols+broadcastFrom+` WHERE b.account_id = ? AND b.id < ?
			ORDER BY 1 DESC LIMIT ?`, accountID, personID, beforeID, personID, accountID, beforeID, limit)
	} else {
		// PostgreSQL plans the form above as a sort of the whole
		// conversation (a bitmap scan of every message); each side limited
		// on its own is two short backward index scans.
		rows, err = s.db.Query(ctx, `SELECT * FROM (SELECT `+msgCols+` FROM messages WHERE account_id = ? AND person_id = ? AND id < ?
				ORDER BY id DESC LIMIT ?) m
			UNION ALL SELECT * FROM (SELECT `+broadcastCols+broadcastFrom+` WHERE b.account_id = ? AND b.id < ? ORDER BY b.id DESC LIMIT ?) b
			ORDER BY 1 DESC LIMIT ?`, accountID, personID, beforeID, limit, personID, accountID, beforeID, limit, limit)
	}
	list, err := db.Collect(rows, err, func(r *sqlRows) (*Message, error) { return scanMessage(r) })
	if err != nil {
		return nil, err
	}
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	return list, nil
}

// ByID returns one message of the account: a conversation's own, or a
// broadcast (whose PersonID is then 0: it was sent to many).
func (s *Store) ByID(ctx context.Context, accountID, messageID int64) (_ *Message, err error) {
	defer errs.Wrap(&err, "message.Store.ByID(%d, %d)", accountID, messageID)
	m, err := scanMessage(s.db.QueryRow(ctx, `SELECT `+msgCols+` FROM messages WHERE account_id = ? AND id = ?
		UNION ALL SELECT b.id, b.account_id, 0, 'out', b.kind, 'mass', 0, b.body, b.created_at FROM broadcasts b WHERE b.account_id = ? AND b.id = ?`,
		accountID, messageID, accountID, messageID))
	if errors.Is(err, errNoRows) {
		return nil, db.ErrNotFound
	}
	return m, err
}

// InConversation returns one message of the conversation between the
// account and the person: one of its own, or a broadcast the person
// received; db.ErrNotFound for anything else.
func (s *Store) InConversation(ctx context.Context, accountID, personID, messageID int64) (_ *Message, err error) {
	defer errs.Wrap(&err, "message.Store.InConversation(%d, %d, %d)", accountID, personID, messageID)
	m, err := scanMessage(s.db.QueryRow(ctx, `SELECT `+msgCols+` FROM messages WHERE account_id = ? AND person_id = ? AND id = ?
		UNION ALL SELECT `+broadcastCols+broadcastFrom+` WHERE b.account_id = ? AND b.id = ?`,
		accountID, personID, messageID, personID, accountID, messageID))
	if errors.Is(err, errNoRows) {
		return nil, db.ErrNotFound
	}
	return m, err
}

// Conversation is the state of one follower–account conversation.
type Conversation struct {
	AccountID       int64
	PersonID        int64
	LastMessageID   int64
	LastAt          time.Time
	LastPreview     string
	FollowerUnread  int
	AccountUnread   int
	LastInboundAt   time.Time
	WindowExpiresAt time.Time
	WindowRemaining int
	InboxState      string
	AssigneeID      int64
}

const convCols = `account_id, person_id, last_message_id, last_at, last_preview, follower_unread, account_unread,
	last_inbound_at, window_expires_at, window_remaining, inbox_state, assignee_id`

func scanConversation(sc interface{ Scan(...any) error }) (*Conversation, error) {
	var c Conversation
	var last, inbound, win int64
	err := sc.Scan(&c.AccountID, &c.PersonID, &c.LastMessageID, &last, &c.LastPreview, &c.FollowerUnread, &c.AccountUnread,
		&inbound, &win, &c.WindowRemaining, &c.InboxState, &c.AssigneeID)
	if errors.Is(err, errNoRows) {
		return nil, db.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	c.LastAt, c.LastInboundAt, c.WindowExpiresAt = db.FromMicro(last), db.FromMicro(inbound), db.FromMicro(win)
	return &c, nil
}

// Conversation returns the conversation state, or db.ErrNotFound when the
// two have never exchanged a message.
func (s *Store) Conversation(ctx context.Context, accountID, personID int64) (_ *Conversation, err error) {
	defer errs.Wrap(&err, "message.Store.Conversation(%d, %d)", accountID, personID)
	return scanConversation(s.db.QueryRow(ctx, `SELECT `+convCols+` FROM conversations WHERE account_id = ? AND person_id = ?`, accountID, personID))
}

// MarkRead clears the follower's unread counter for a conversation and
// marks the account's broadcasts they received as read. Most views of a
// conversation find nothing unread: that is checked on the read pool
// first, so those views do not queue for the writer.
func (s *Store) MarkRead(ctx context.Context, accountID, personID int64) (err error) {
	return s.MarkReadFrom(ctx, accountID, personID, "")
}

// ReadStateSQL is what MarkRead checks first, as an SQL expression on the
// given column expressions of the account's and the person's ids, so that
// a page can read it in a statement it runs anyway (the conversation page
// reads it with the account and the follow): a text for MarkReadFrom, NULL
// when personCol is NULL.
func ReadStateSQL(accountCol, personCol string) string {
	return `CASE WHEN ` + personCol + ` IS NOT NULL THEN (SELECT CAST(COALESCE(c.follower_unread, 0) AS TEXT) || ' ' ||
			CAST(COALESCE(c.follower_read_id, 0) AS TEXT) || ' ' ||
			CAST(COALESCE((SELECT b.id FROM broadcasts b JOIN broadcast_recipients r ON r.send_id = b.send_id AND r.person_id = ` + personCol + `
				WHERE b.account_id = ` + accountCol + ` ORDER BY b.id DESC LIMIT 1), 0) AS TEXT)
		FROM (SELECT 1 AS one) x LEFT JOIN conversations c ON c.account_id = ` + accountCol + ` AND c.person_id = ` + personCol + `) END`
}

// MarkReadFrom is MarkRead with its check already read: state is the text
// of ReadStateSQL for the account and the person, or "" when it was not
// read (then MarkRead reads it first).
func (s *Store) MarkReadFrom(ctx context.Context, accountID, personID int64, state string) (err error) {
	defer errs.Wrap(&err, "message.Store.MarkRead(%d, %d)", accountID, personID)
	var unread, readID, newest int64
	if unread, readID, newest, err = parseReadState(state); err != nil {
		err = s.db.QueryRow(ctx, `SELECT COALESCE(c.follower_unread, 0), COALESCE(c.follower_read_id, 0),
				COALESCE((SELECT b.id`+broadcastFrom+` WHERE b.account_id = ? ORDER BY b.id DESC LIMIT 1), 0)
			FROM (SELECT 1 AS one) x LEFT JOIN conversations c ON c.account_id = ? AND c.person_id = ?`,
			personID, accountID, accountID, personID).Scan(&unread, &readID, &newest)
		if err != nil {
			return err
		}
	}
	if unread == 0 && newest <= readID {
		return nil
	}
	// A follower who only ever received broadcasts has no conversation
	// row yet: the read mark makes one (like a window opened by a click).
	res, err := s.db.Exec(ctx, `INSERT INTO conversations (account_id, person_id, last_message_id, last_at, last_preview, follower_read_id)
		VALUES (?, ?, 0, 0, '', ?)
		ON CONFLICT (account_id, person_id) DO UPDATE SET follower_unread = 0,
			follower_read_id = CASE WHEN conversations.follower_read_id < excluded.follower_read_id THEN excluded.follower_read_id ELSE conversations.follower_read_id END
		WHERE conversations.follower_unread <> 0 OR conversations.follower_read_id < excluded.follower_read_id`, accountID, personID, newest)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 && s.bus != nil {
		s.bus.Publish(realtime.PersonTopic(personID), realtime.Event{Type: "read", Data: map[string]any{"account_id": accountID}})
	}
	return nil
}

// parseReadState reads the three numbers of a ReadStateSQL text; an error
// for anything else ("" included).
func parseReadState(state string) (unread, readID, newest int64, err error) {
	var v [3]int64
	for i := range v {
		var part string
		if i < 2 {
			var ok bool
			if part, state, ok = strings.Cut(state, " "); !ok {
				return 0, 0, 0, errNoState
			}
		} else {
			part = state
		}
		if v[i], err = strconv.ParseInt(part, 10, 64); err != nil {
			return 0, 0, 0, errNoState
		}
	}
	return v[0], v[1], v[2], nil
}

var errNoState = errors.New("no read state")

// Window errors, which the developer API reports as WeChat's 45015 and 45047.
var (
	ErrWindowClosed    = &errs.Error{Kind: errs.KindConflict, Message: "The follower has not messaged the account in the last 48 hours, so free-form messages are not allowed."}
	ErrWindowExhausted = &errs.Error{Kind: errs.KindTooMany, Message: "The account has used up the messages allowed since the follower's last message."}
)

// OpenWindow gives the account count free-form messages for d, unless a
// window that ends later is already open. Menu clicks, follows and scans use it.
func (s *Store) OpenWindow(ctx context.Context, accountID, personID int64, d time.Duration, count int) (err error) {
	defer errs.Wrap(&err, "message.Store.OpenWindow(%d, %d, %d)", accountID, personID, count)
	now := s.clock.Now()
	end := db.Micro(now.Add(d))
	_, err = s.db.Exec(ctx, `INSERT INTO conversations (account_id, person_id, last_message_id, last_at, last_preview, window_expires_at, window_remaining)
		VALUES (?, ?, 0, 0, '', ?, ?)
		ON CONFLICT (account_id, person_id) DO UPDATE SET
			window_remaining = CASE WHEN conversations.window_expires_at < excluded.window_expires_at THEN excluded.window_remaining ELSE conversations.window_remaining END,
			window_expires_at = CASE WHEN conversations.window_expires_at < excluded.window_expires_at THEN excluded.window_expires_at ELSE conversations.window_expires_at END`,
		accountID, personID, end, count)
	return err
}

// ConsumeWindow takes one message from the open window, or returns
// ErrWindowClosed / ErrWindowExhausted.
func (s *Store) ConsumeWindow(ctx context.Context, accountID, personID int64) (err error) {
	defer errs.Wrap(&err, "message.Store.ConsumeWindow(%d, %d)", accountID, personID)
	now := db.Micro(s.clock.Now())
	res, err := s.db.Exec(ctx, `UPDATE conversations SET window_remaining = window_remaining - 1
		WHERE account_id = ? AND person_id = ? AND window_expires_at > ? AND window_remaining > 0`, accountID, personID, now)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	c, err := s.Conversation(ctx, accountID, personID)
	if errors.Is(err, errs.NotFound) || (err == nil && !c.WindowExpiresAt.After(db.FromMicro(now))) {
		return ErrWindowClosed
	}
	if err != nil {
		return err
	}
	return ErrWindowExhausted
}

// ChatRow is one row of a follower's chat list: a followed Service account.
type ChatRow struct {
	AccountID   int64
	Name        string
	AvatarPath  string
	Verified    bool
	Muted       bool
	LastAt      time.Time
	LastPreview string
	LastID      int64 // the last message's or broadcast's id (0: none)
	Unread      int
}

// ChatList returns the follower's Service-account chats, most recent first.
// Service accounts they follow but never talked to are listed too. The
// last message and the unread count merge the conversation's own messages
// with the account's broadcasts the person received (one statement: the
// newest broadcast and the unread ones come from correlated subqueries
// that walk the account's few broadcasts newest first).
func (s *Store) ChatList(ctx context.Context, personID int64) (_ []*ChatRow, err error) {
	defer errs.Wrap(&err, "message.Store.ChatList(%d)", personID)
	now := db.Micro(s.clock.Now())
	rows, err := s.db.Query(ctx, `SELECT a.id, a.name, a.avatar_path, a.verified_until > ? AND a.status = 'active', f.muted, f.subscribed_at,
			c.account_id IS NOT NULL, COALESCE(c.last_message_id, 0), COALESCE(c.last_at, 0), COALESCE(c.last_preview, ''), COALESCE(c.follower_unread, 0),
			COALESCE(b.id, 0), COALESCE(b.created_at, 0), COALESCE(b.preview, ''),
			(SELECT COUNT(*) FROM broadcasts u JOIN broadcast_recipients ur ON ur.send_id = u.send_id AND ur.person_id = f.person_id
				WHERE u.account_id = f.account_id AND u.id > COALESCE(c.follower_read_id, 0))
		FROM follows f
		JOIN accounts a ON a.id = f.account_id
		LEFT JOIN conversations c ON c.account_id = f.account_id AND c.person_id = f.person_id
		LEFT JOIN broadcasts b ON b.id = (SELECT u.id FROM broadcasts u JOIN broadcast_recipients ur ON ur.send_id = u.send_id AND ur.person_id = f.person_id
			WHERE u.account_id = f.account_id ORDER BY u.id DESC LIMIT 1)
		WHERE f.person_id = ? AND f.following = TRUE AND a.type = 'service' AND a.status IN ('active', 'suspended')`, now, personID)
	type row struct {
		c   ChatRow
		key int64
	}
	list, err := db.Collect(rows, err, func(r *sqlRows) (row, error) {
		var x row
		var subscribed, lastID, last, bID, bAt int64
		var hasConv bool
		var bPreview string
		var bUnread int
		if err := r.Scan(&x.c.AccountID, &x.c.Name, &x.c.AvatarPath, &x.c.Verified, &x.c.Muted, &subscribed,
			&hasConv, &lastID, &last, &x.c.LastPreview, &x.c.Unread, &bID, &bAt, &bPreview, &bUnread); err != nil {
			return x, err
		}
		x.key = subscribed
		if hasConv {
			x.key = last
		}
		x.c.LastID = lastID
		if bID > lastID {
			last, x.c.LastPreview, x.key, x.c.LastID = bAt, bPreview, bAt, bID
		}
		x.c.LastAt = db.FromMicro(last)
		x.c.Unread += bUnread
		return x, nil
	})
	if err != nil {
		return nil, err
	}
	// Newest first: the last message's time, or when they followed.
	slices.SortStableFunc(list, func(p, q row) int { return cmp.Compare(q.key, p.key) })
	out := make([]*ChatRow, len(list))
	for i := range list {
		out[i] = &list[i].c
	}
	return out, nil
}

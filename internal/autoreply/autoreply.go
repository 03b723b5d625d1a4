// Package autoreply holds an account's automatic replies: the reply to a
// new follower, keyword rules (each keyword matched exactly or by
// "contains", replies sent all or one at random) and the default reply to
// anything unmatched. Responder plugs them into the message pipeline after
// the developer's server, as on WeChat.
package autoreply

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/message"
)

// Rule kinds.
const (
	KindFollow  = "follow"  // sent to a new follower
	KindDefault = "default" // sent when no keyword rule matches
	KindKeyword = "keyword"
)

// Keyword match modes.
const (
	MatchExact    = "exact"
	MatchContains = "contains"
)

// Reply modes of a keyword rule.
const (
	ModeAll    = "all"    // send every reply, in order
	ModeRandom = "random" // send one reply picked at random
)

// Reply types.
const (
	ReplyText  = "text"
	ReplyImage = "image"
	ReplyNews  = "news" // an article card
)

// Limits, as on WeChat's console.
const (
	MaxRules         = 200
	MaxNameRunes     = 60
	MaxKeywords      = 10
	MaxKeywordRunes  = 30
	MaxReplies       = 5
	MaxTextBytes     = 2048
	MaxTitleRunes    = 64
	MaxDescRunes     = 120
	MaxURLBytes      = 1024
	MaxMediaKeyBytes = 255
)

// Keyword is one keyword of a rule.
type Keyword struct {
	Match string `json:"match"` // MatchExact or MatchContains
	Text  string `json:"text"`
}

// Reply is one automatic reply.
type Reply struct {
	Type      string           `json:"type"`
	Text      string           `json:"text,omitempty"`       // text
	MediaKey  string           `json:"media,omitempty"`      // image: key in the media store
	MediaType string           `json:"media_type,omitempty"` // image: content type
	MediaID   string           `json:"media_id,omitempty"`   // image: the library's media_id, when it has one
	Article   *message.Article `json:"article,omitempty"`    // news
}

// Rule is an auto-reply rule.
type Rule struct {
	ID        int64
	AccountID int64
	Kind      string
	Name      string
	Enabled   bool
	Mode      string
	Keywords  []Keyword
	Replies   []Reply
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Error is a validation failure with a WeChat-style errcode; it unwraps to
// an *errs.Error with a message for the console.
type Error struct {
	Code int
	Err  *errs.Error
}

func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the domain error.
func (e *Error) Unwrap() error { return e.Err }

// WXCode returns the WeChat errcode.
func (e *Error) WXCode() int { return e.Code }

func invalid(code int, field, format string, args ...any) error {
	return &Error{Code: code, Err: errs.FieldInvalid(field, format, args...)}
}

// ErrTooManyRules is returned when an account already has MaxRules rules.
var ErrTooManyRules = &Error{Code: 45010, Err: errs.Conflictf("An account has at most %d keyword rules.", MaxRules)}

// ValidateReply checks one reply; field names the form field for messages.
func ValidateReply(r *Reply, field string) error {
	switch r.Type {
	case ReplyText:
		r.Text = strings.TrimSpace(r.Text)
		if r.Text == "" {
			return invalid(44004, field, "Write the reply text.")
		}
		if len(r.Text) > MaxTextBytes {
			return invalid(45002, field, "A text reply has at most %d bytes.", MaxTextBytes)
		}
	case ReplyImage:
		if r.MediaKey == "" || len(r.MediaKey) > MaxMediaKeyBytes {
			return invalid(40007, field, "Upload the image to send.")
		}
	case ReplyNews:
		a := r.Article
		if a == nil {
			return invalid(44003, field, "Fill in the article card.")
		}
		a.Title, a.Description = strings.TrimSpace(a.Title), strings.TrimSpace(a.Description)
		a.URL, a.PicURL = strings.TrimSpace(a.URL), strings.TrimSpace(a.PicURL)
		switch {
		case a.Title == "":
			return invalid(44003, field, "An article card needs a title.")
		case utf8.RuneCountInString(a.Title) > MaxTitleRunes:
			return invalid(45003, field, "An article title has at most %d characters.", MaxTitleRunes)
		case utf8.RuneCountInString(a.Description) > MaxDescRunes:
			return invalid(45004, field, "An article description has at most %d characters.", MaxDescRunes)
		case !webURL(a.URL):
			return invalid(45005, field, "An article card needs a full http:// or https:// link of at most %d bytes.", MaxURLBytes)
		case a.PicURL != "" && !webURL(a.PicURL) && !strings.HasPrefix(a.PicURL, "/"):
			return invalid(45006, field, "The picture must be a full http:// or https:// address.")
		}
	default:
		return invalid(40008, field, "A reply is text, an image or an article card.")
	}
	return nil
}

func webURL(s string) bool {
	if s == "" || len(s) > MaxURLBytes {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Validate checks a rule and normalises it (trims, fills defaults).
func Validate(r *Rule) error {
	switch r.Kind {
	case KindFollow, KindDefault:
		if len(r.Replies) != 1 {
			return invalid(40035, "reply", "This reply has exactly one message.")
		}
		r.Mode, r.Name, r.Keywords = ModeAll, "", nil
		return ValidateReply(&r.Replies[0], "reply")
	case KindKeyword:
	default:
		return invalid(40035, "kind", "Unknown kind of auto-reply.")
	}
	// A keyword rule: every field that is wrong is reported at once.
	var fe errs.Fields
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" {
		fe.Add(invalid(40035, "name", "Give the rule a name."))
	} else if utf8.RuneCountInString(r.Name) > MaxNameRunes {
		fe.Add(invalid(40035, "name", "A rule name has at most %d characters.", MaxNameRunes))
	}
	if r.Mode == "" {
		r.Mode = ModeAll
	}
	if r.Mode != ModeAll && r.Mode != ModeRandom {
		fe.Add(invalid(40035, "mode", "Choose to send all replies or one at random."))
	}
	var kws []Keyword
	seen := map[string]bool{}
	for _, k := range r.Keywords {
		k.Text = strings.TrimSpace(k.Text)
		if k.Text == "" {
			continue
		}
		if k.Match == "" {
			k.Match = MatchExact
		}
		if k.Match != MatchExact && k.Match != MatchContains {
			if !fe.Has("keywords") {
				fe.Add(invalid(40035, "keywords", "A keyword matches exactly or by containing it."))
			}
			continue
		}
		if utf8.RuneCountInString(k.Text) > MaxKeywordRunes {
			if !fe.Has("keywords") {
				fe.Add(invalid(40035, "keywords", "The keyword %q is longer than %d characters.", k.Text, MaxKeywordRunes))
			}
			continue
		}
		key := k.Match + "\x00" + strings.ToLower(k.Text)
		if seen[key] {
			continue
		}
		seen[key] = true
		kws = append(kws, k)
	}
	switch {
	case fe.Has("keywords"):
	case len(kws) == 0:
		fe.Add(invalid(40035, "keywords", "A rule needs at least one keyword."))
	case len(kws) > MaxKeywords:
		fe.Add(invalid(40035, "keywords", "A rule has at most %d keywords.", MaxKeywords))
	default:
		r.Keywords = kws
	}
	switch {
	case len(r.Replies) == 0:
		fe.Add(invalid(40035, "replies", "A rule needs at least one reply."))
	case len(r.Replies) > MaxReplies:
		fe.Add(invalid(40035, "replies", "A rule has at most %d replies.", MaxReplies))
	default:
		for i := range r.Replies {
			fe.Add(ValidateReply(&r.Replies[i], fmt.Sprintf("reply.%d", i)))
		}
	}
	return fe.Err()
}

// Matches reports whether a keyword matches a follower's text: exact
// matches compare the whole trimmed text, contains looks for the keyword
// anywhere; both ignore letter case.
func (k Keyword) Matches(text string) bool {
	t := strings.ToLower(strings.TrimSpace(text))
	w := strings.ToLower(k.Text)
	if w == "" {
		return false
	}
	if k.Match == MatchContains {
		return strings.Contains(t, w)
	}
	return t == w
}

// Match picks the replies for a follower's text from an account's rules:
// the enabled keyword rules that match (when several do, one of them at
// random, as on WeChat), then that rule's replies (all, or one at random);
// with no match, the enabled default reply. pick(n) returns a number in
// [0, n); nil uses math/rand.
func Match(rules []*Rule, text string, pick func(n int) int) []Reply {
	replies, _ := match(rules, text, pick)
	return replies
}

// match is Match, also reporting whether the replies are the default
// reply's.
func match(rules []*Rule, text string, pick func(n int) int) ([]Reply, bool) {
	if pick == nil {
		pick = rand.IntN
	}
	var hits []*Rule
	var def *Rule
	for _, r := range rules {
		if !r.Enabled {
			continue
		}
		switch r.Kind {
		case KindDefault:
			def = r
		case KindKeyword:
			if text == "" {
				continue
			}
			for _, k := range r.Keywords {
				if k.Matches(text) {
					hits = append(hits, r)
					break
				}
			}
		}
	}
	if len(hits) == 0 {
		if def != nil && len(def.Replies) > 0 {
			return def.Replies[:1], true
		}
		return nil, false
	}
	r := hits[0]
	if len(hits) > 1 {
		r = hits[pick(len(hits))]
	}
	if r.Mode == ModeRandom && len(r.Replies) > 1 {
		return []Reply{r.Replies[pick(len(r.Replies))]}, false
	}
	return r.Replies, false
}

// Store reads and writes rules.
type Store struct {
	db     *db.DB
	clock  clock.Clock
	images ImageResolver
}

// ImageResolver finds an image of the account's media library by its
// media_id: its storage key and content type.
type ImageResolver func(ctx context.Context, accountID int64, mediaID string) (key, contentType string, err error)

// NewStore returns a Store. images finds the library images that imported
// rules name (nil: images cannot be imported).
func NewStore(d *db.DB, c clock.Clock, images ImageResolver) *Store {
	return &Store{db: d, clock: c, images: images}
}

const cols = `id, account_id, kind, name, enabled, reply_mode, keywords, replies, created_at, updated_at`

func scan(sc interface{ Scan(...any) error }) (*Rule, error) {
	var r Rule
	var kws, reps string
	var created, updated int64
	err := sc.Scan(&r.ID, &r.AccountID, &r.Kind, &r.Name, &r.Enabled, &r.Mode, &kws, &reps, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, db.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(kws), &r.Keywords); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(reps), &r.Replies); err != nil {
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt = db.FromMicro(created), db.FromMicro(updated)
	return &r, nil
}

// Rules returns every rule of the account: follow and default first, then
// keyword rules oldest first.
func (s *Store) Rules(ctx context.Context, accountID int64) (_ []*Rule, err error) {
	defer errs.Wrap(&err, "autoreply.Store.Rules(%d)", accountID)
	rows, err := s.db.Query(ctx, `SELECT `+cols+` FROM autoreply_rules WHERE account_id = ?
		ORDER BY CASE kind WHEN 'follow' THEN 0 WHEN 'default' THEN 1 ELSE 2 END, id`, accountID)
	return db.Collect(rows, err, func(r *sql.Rows) (*Rule, error) { return scan(r) })
}

// Rule returns one rule of the account.
func (s *Store) Rule(ctx context.Context, accountID, ruleID int64) (_ *Rule, err error) {
	defer errs.Wrap(&err, "autoreply.Store.Rule(%d, %d)", accountID, ruleID)
	return scan(s.db.QueryRow(ctx, `SELECT `+cols+` FROM autoreply_rules WHERE account_id = ? AND id = ?`, accountID, ruleID))
}

// Special returns the account's follow or default reply, or db.ErrNotFound.
func (s *Store) Special(ctx context.Context, accountID int64, kind string) (_ *Rule, err error) {
	defer errs.Wrap(&err, "autoreply.Store.Special(%d)", accountID)
	return scan(s.db.QueryRow(ctx, `SELECT `+cols+` FROM autoreply_rules WHERE account_id = ? AND kind = ? ORDER BY id LIMIT 1`, accountID, kind))
}

// SetSpecial sets the follow or default reply (kind KindFollow or
// KindDefault), switching it on or off.
func (s *Store) SetSpecial(ctx context.Context, accountID int64, kind string, enabled bool, reply Reply) (_ *Rule, err error) {
	defer errs.Wrap(&err, "autoreply.Store.SetSpecial(%d)", accountID)
	if kind != KindFollow && kind != KindDefault {
		return nil, invalid(40035, "kind", "Unknown kind of auto-reply.")
	}
	r := &Rule{AccountID: accountID, Kind: kind, Enabled: enabled, Replies: []Reply{reply}}
	if err := Validate(r); err != nil {
		return nil, err
	}
	reps, _ := json.Marshal(r.Replies)
	now := s.clock.Now()
	note := "On-follow reply saved"
	if kind == KindDefault {
		note = "Default reply saved"
	}
	err = s.change(ctx, accountID, note, func(tx *db.Tx) error {
		var existing int64
		err := db.Get(tx.QueryRow(ctx, `SELECT id FROM autoreply_rules WHERE account_id = ? AND kind = ? ORDER BY id LIMIT 1`, accountID, kind), &existing)
		switch {
		case errors.Is(err, errs.NotFound):
			r.ID, r.CreatedAt = id.New(), now
			_, err = tx.Exec(ctx, `INSERT INTO autoreply_rules (id, account_id, kind, name, enabled, reply_mode, keywords, replies, created_at, updated_at)
				VALUES (?, ?, ?, '', ?, 'all', '[]', ?, ?, ?)`, r.ID, accountID, kind, enabled, string(reps), db.Micro(now), db.Micro(now))
			return err
		case err != nil:
			return err
		}
		r.ID = existing
		_, err = tx.Exec(ctx, `UPDATE autoreply_rules SET enabled = ?, replies = ?, updated_at = ? WHERE id = ?`, enabled, string(reps), db.Micro(now), existing)
		return err
	})
	if err != nil {
		return nil, err
	}
	r.UpdatedAt = now
	return r, nil
}

// DeleteSpecial removes the follow or default reply.
func (s *Store) DeleteSpecial(ctx context.Context, accountID int64, kind string) (err error) {
	defer errs.Wrap(&err, "autoreply.Store.DeleteSpecial(%d)", accountID)
	note := "On-follow reply removed"
	if kind == KindDefault {
		note = "Default reply removed"
	}
	return s.change(ctx, accountID, note, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM autoreply_rules WHERE account_id = ? AND kind = ?`, accountID, kind)
		return err
	})
}

// SaveRule validates and stores a keyword rule: a new one when r.ID is 0,
// else it replaces the account's rule r.ID.
func (s *Store) SaveRule(ctx context.Context, r *Rule) (err error) {
	defer errs.Wrap(&err, "autoreply.Store.SaveRule(%d, %d)", r.ID, r.AccountID)
	r.Kind = KindKeyword
	if err := Validate(r); err != nil {
		return err
	}
	kws, _ := json.Marshal(r.Keywords)
	reps, _ := json.Marshal(r.Replies)
	now := s.clock.Now()
	note := fmt.Sprintf("Rule %q saved", r.Name)
	if r.ID == 0 {
		note = fmt.Sprintf("Rule %q added", r.Name)
	}
	return s.change(ctx, r.AccountID, note, func(tx *db.Tx) error {
		if r.ID == 0 {
			var n int
			if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*) FROM autoreply_rules WHERE account_id = ? AND kind = 'keyword'`, r.AccountID), &n); err != nil {
				return err
			}
			if n >= MaxRules {
				return ErrTooManyRules
			}
			r.ID, r.CreatedAt, r.UpdatedAt = id.New(), now, now
			_, err := tx.Exec(ctx, `INSERT INTO autoreply_rules (id, account_id, kind, name, enabled, reply_mode, keywords, replies, created_at, updated_at)
				VALUES (?, ?, 'keyword', ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.AccountID, r.Name, r.Enabled, r.Mode, string(kws), string(reps), db.Micro(now), db.Micro(now))
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE autoreply_rules SET name = ?, enabled = ?, reply_mode = ?, keywords = ?, replies = ?, updated_at = ?
			WHERE account_id = ? AND id = ? AND kind = 'keyword'`, r.Name, r.Enabled, r.Mode, string(kws), string(reps), db.Micro(now), r.AccountID, r.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return db.ErrNotFound
		}
		r.UpdatedAt = now
		return nil
	})
}

// DeleteRule removes a keyword rule of the account.
func (s *Store) DeleteRule(ctx context.Context, accountID, ruleID int64) (err error) {
	defer errs.Wrap(&err, "autoreply.Store.DeleteRule(%d, %d)", accountID, ruleID)
	var name string
	if err := db.Get(s.db.QueryRow(ctx, `SELECT name FROM autoreply_rules WHERE account_id = ? AND id = ? AND kind = 'keyword'`, accountID, ruleID), &name); err != nil {
		return err
	}
	return s.change(ctx, accountID, fmt.Sprintf("Rule %q deleted", name), func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM autoreply_rules WHERE account_id = ? AND id = ? AND kind = 'keyword'`, accountID, ruleID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return db.ErrNotFound
		}
		return nil
	})
}

// Responder answers followers with the account's auto-replies: the follow
// reply to a subscribe event, keyword or default replies to messages (the
// default with its manners, see manners.go). It runs after the developer's
// server, whose reply wins.
type Responder struct {
	Store *Store
	Pick  func(n int) int // random choice; nil uses math/rand
	// Conversations, when set, keeps the default reply quiet while an agent
	// holds the conversation.
	Conversations Conversations
}

// Respond implements message.Responder.
func (r *Responder) Respond(ctx context.Context, in *message.Inbound) (_ message.Outcome, err error) {
	defer errs.Wrap(&err, "autoreply.Responder.Respond()")
	var replies []Reply
	switch {
	case in.Event == message.EventSubscribe:
		rule, err := r.Store.Special(ctx, in.Account.ID, KindFollow)
		if errors.Is(err, errs.NotFound) {
			return message.Outcome{}, nil
		}
		if err != nil {
			return message.Outcome{}, err
		}
		if rule.Enabled {
			replies = rule.Replies
		}
	case in.Event == "" && in.Message != nil:
		rules, err := r.Store.Rules(ctx, in.Account.ID)
		if err != nil {
			return message.Outcome{}, err
		}
		text := ""
		if in.Message.Kind == message.KindText {
			text = in.Message.Body.Text
		}
		var isDefault bool
		replies, isDefault = match(rules, text, r.Pick)
		if isDefault && len(replies) > 0 {
			ok, err := r.defaultAllowed(ctx, in)
			if err != nil || !ok {
				return message.Outcome{}, err
			}
		}
	default:
		return message.Outcome{}, nil
	}
	if len(replies) == 0 {
		return message.Outcome{}, nil
	}
	out := message.Outcome{Handled: true}
	for _, rep := range replies {
		out.Replies = append(out.Replies, rep.Message())
	}
	return out, nil
}

// Message turns a reply into the message delivered to the follower.
func (r Reply) Message() message.Reply {
	m := message.Reply{Sender: message.SenderAutoReply}
	switch r.Type {
	case ReplyImage:
		m.Kind, m.Body = message.KindImage, message.Body{MediaKey: r.MediaKey, MediaType: r.MediaType, MediaID: r.MediaID}
	case ReplyNews:
		m.Kind = message.KindNews
		if r.Article != nil {
			m.Body = message.Body{Articles: []message.Article{*r.Article}}
		}
	default:
		m.Kind, m.Body = message.KindText, message.Body{Text: r.Text}
	}
	return m
}

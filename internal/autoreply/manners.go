package autoreply

import (
	"context"
	"errors"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/message"
)

// The default reply's manners: it answers a follower's text at most once
// per window (the owner's setting, DefaultWindow when unset), never a
// follower's image, voice, video, location or link, and never while an
// agent has taken the conversation in the inbox. Keyword replies are not
// limited.

// DefaultWindow is the default reply's window when the owner has not set
// one.
const DefaultWindow = time.Hour

// Bounds of the window an owner may set.
const (
	MinDefaultWindow = time.Minute
	MaxDefaultWindow = 7 * 24 * time.Hour
)

// DefaultReplyWindow returns how long after a default reply the same
// follower gets no other.
func (s *Store) DefaultReplyWindow(ctx context.Context, accountID int64) (_ time.Duration, err error) {
	defer errs.Wrap(&err, "autoreply.Store.DefaultReplyWindow(%d)", accountID)
	var secs int64
	err = db.Get(s.db.QueryRow(ctx, `SELECT default_window_seconds FROM autoreply_settings WHERE account_id = ?`, accountID), &secs)
	if errors.Is(err, errs.NotFound) {
		return DefaultWindow, nil
	}
	if err != nil {
		return 0, err
	}
	return time.Duration(secs) * time.Second, nil
}

// SetDefaultReplyWindow sets the default reply's window, between
// MinDefaultWindow and MaxDefaultWindow (whole seconds).
func (s *Store) SetDefaultReplyWindow(ctx context.Context, accountID int64, window time.Duration) (err error) {
	defer errs.Wrap(&err, "autoreply.Store.SetDefaultReplyWindow(%d)", accountID)
	if window < MinDefaultWindow || window > MaxDefaultWindow {
		return errs.FieldInvalid("window", "The default reply's interval is between 1 minute and 7 days.")
	}
	_, err = s.db.Exec(ctx, `INSERT INTO autoreply_settings (account_id, default_window_seconds, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET default_window_seconds = excluded.default_window_seconds, updated_at = excluded.updated_at`,
		accountID, int64(window/time.Second), db.Micro(s.clock.Now()))
	return err
}

// claimDefault records that the follower gets the default reply now, unless
// they got one within the account's window: true when this call may send
// it. One conditional upsert, so concurrent answers (on any node) claim it
// once.
func (s *Store) claimDefault(ctx context.Context, accountID, personID int64) (bool, error) {
	window, err := s.DefaultReplyWindow(ctx, accountID)
	if err != nil {
		return false, err
	}
	now := s.clock.Now()
	res, err := s.db.Exec(ctx, `INSERT INTO autoreply_default_sent (account_id, person_id, sent_at) VALUES (?, ?, ?)
		ON CONFLICT (account_id, person_id) DO UPDATE SET sent_at = excluded.sent_at
		WHERE autoreply_default_sent.sent_at <= ?`,
		accountID, personID, db.Micro(now), db.Micro(now.Add(-window)))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// Conversations tells the responder whether an agent holds a conversation
// (message.Store implements it).
type Conversations interface {
	Conversation(ctx context.Context, accountID, personID int64) (*message.Conversation, error)
}

// heldByAgent is the inbox's state of a conversation an agent has taken.
const heldByAgent = "assigned"

// defaultAllowed reports whether the default reply may answer this message.
func (r *Responder) defaultAllowed(ctx context.Context, in *message.Inbound) (bool, error) {
	if in.Message.Kind != message.KindText {
		return false, nil
	}
	personID := in.Follow.PersonID
	if r.Conversations != nil {
		c, err := r.Conversations.Conversation(ctx, in.Account.ID, personID)
		switch {
		case errors.Is(err, errs.NotFound):
		case err != nil:
			return false, err
		case c.InboxState == heldByAgent:
			return false, nil
		}
	}
	return r.Store.claimDefault(ctx, in.Account.ID, personID)
}

package follow

import (
	"context"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// Chat is a followed account's conversation with the person, as the
// follower app lists it.
type Chat struct {
	Account     *account.Account
	LastAt      time.Time
	LastPreview string
	Unread      int
}

// Chats lists the person's conversations (with at least one message) with
// the active accounts of accountType they follow, most recent first, at
// most limit. The follower app uses it for Subscription accounts, which
// have no chat-list rows of their own (message.Store.ChatList covers
// Service accounts). It reads the messaging feature's conversations table.
func (s *Store) Chats(ctx context.Context, personID int64, accountType string, limit int) (_ []Chat, err error) {
	defer errs.Wrap(&err, "follow.Store.Chats(%d, %d)", personID, limit)
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.db.Query(ctx, `SELECT `+account.Cols+`, c.last_at, c.last_preview, c.follower_unread
		FROM conversations c
		JOIN follows f ON f.account_id = c.account_id AND f.person_id = c.person_id
		JOIN accounts a ON a.id = c.account_id
		WHERE c.person_id = ? AND c.last_message_id <> 0 AND f.following = TRUE AND a.type = ? AND a.status = 'active'
		ORDER BY c.last_at DESC LIMIT ?`, personID, accountType, limit)
	return db.Collect(rows, err, func(r *sqlRows) (Chat, error) {
		var c Chat
		var last int64
		a, err := account.Scan(scanFunc(func(dest ...any) error {
			return r.Scan(append(dest, &last, &c.LastPreview, &c.Unread)...)
		}))
		if err != nil {
			return c, err
		}
		c.Account, c.LastAt = a, db.FromMicro(last)
		return c, nil
	})
}

package pay

import (
	"context"
	"database/sql"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// Notification is one notification of a payment or refund queued for a
// merchant's server (the merchant API stores and sends them; the console
// shows the log).
type Notification struct {
	ID         int64
	AccountID  int64
	OrderID    int64
	EventType  string
	URL        string
	State      string
	Attempts   int
	NextAt     time.Time
	LastStatus string
	Body       string
	CreatedAt  time.Time
}

// Notifications lists an account's newest notifications.
func (s *Store) Notifications(ctx context.Context, accountID int64, limit int) (_ []*Notification, err error) {
	defer errs.Wrap(&err, "pay.Store.Notifications(%d, %d)", accountID, limit)
	rows, err := s.db.Query(ctx, `SELECT id, account_id, order_id, event_type, url, state, attempts, next_at, last_status, body, created_at
		FROM pay_notifications WHERE account_id = ? ORDER BY id DESC LIMIT ?`, accountID, limit)
	return db.Collect(rows, err, func(r *sql.Rows) (*Notification, error) {
		var n Notification
		var next, created int64
		err := r.Scan(&n.ID, &n.AccountID, &n.OrderID, &n.EventType, &n.URL, &n.State, &n.Attempts, &next, &n.LastStatus, &n.Body, &created)
		n.NextAt, n.CreatedAt = db.FromMicro(next), db.FromMicro(created)
		return &n, err
	})
}

package follow

import (
	"context"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// Relation is an account that knows a person: one they follow, or followed
// once (the follow row, and so the openid, outlives an unfollow).
type Relation struct {
	Account        *account.Account
	Following      bool
	Muted          bool
	SubscribedAt   time.Time
	UnsubscribedAt time.Time // zero while following
}

// Relations lists every account the person follows or has followed,
// current follows first, for the person's own privacy page.
func (s *Store) Relations(ctx context.Context, personID int64) (_ []Relation, err error) {
	defer errs.Wrap(&err, "follow.Store.Relations(%d)", personID)
	rows, err := s.db.Query(ctx, `SELECT `+account.Cols+`, f.following, f.muted, f.subscribed_at, f.unsubscribed_at
		FROM follows f JOIN accounts a ON a.id = f.account_id
		WHERE f.person_id = ? ORDER BY CASE WHEN f.following THEN 0 ELSE 1 END, a.name_key`, personID)
	return db.Collect(rows, err, func(r *sqlRows) (Relation, error) {
		var rel Relation
		var sub, unsub int64
		a, err := account.Scan(scanFunc(func(dest ...any) error {
			return r.Scan(append(dest, &rel.Following, &rel.Muted, &sub, &unsub)...)
		}))
		if err != nil {
			return rel, err
		}
		rel.Account, rel.SubscribedAt = a, db.FromMicro(sub)
		if unsub > 0 && !rel.Following {
			rel.UnsubscribedAt = db.FromMicro(unsub)
		}
		return rel, nil
	})
}

type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// CountFollowing returns how many accounts of the given type ("" for any)
// the person follows now.
func (s *Store) CountFollowing(ctx context.Context, personID int64, accountType string) (_ int, err error) {
	defer errs.Wrap(&err, "follow.Store.CountFollowing(%d)", personID)
	var n int
	err = db.Get(s.db.QueryRow(ctx, `SELECT COUNT(*) FROM follows f JOIN accounts a ON a.id = f.account_id
		WHERE f.person_id = ? AND f.following = TRUE AND (? = '' OR a.type = ?)`, personID, accountType, accountType), &n)
	return n, err
}

package follow

import (
	"context"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// bulkRows is how many follows one INSERT statement carries.
const bulkRows = 200

// FollowMany makes every person in personIDs follow the active account in
// one transaction, a few statements per 200 people instead of one
// round trip each (the demo seed and imports use it). People who already
// follow are left alone; people who unfollowed before follow again with
// their old openid. The account's follower count grows by the number of new
// follows, which is returned.
func (s *Store) FollowMany(ctx context.Context, accountID int64, personIDs []int64, source string) (_ int, err error) {
	defer errs.Wrap(&err, "follow.Store.FollowMany(%d)", accountID)
	switch source {
	case SourceSearch, SourceProfile, SourceQR, SourceArticle, SourceOther:
	default:
		source = SourceOther
	}
	now := db.Micro(s.clock.Now())
	seen := make(map[int64]bool, len(personIDs))
	ids := make([]int64, 0, len(personIDs))
	for _, p := range personIDs {
		if !seen[p] {
			seen[p] = true
			ids = append(ids, p)
		}
	}
	added := 0
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		added = 0
		var status string
		if err := db.Get(tx.QueryRow(ctx, `SELECT status FROM accounts WHERE id = ?`, accountID), &status); err != nil {
			return err
		}
		if status != account.StatusActive {
			return errs.Conflictf("This account cannot be followed right now.")
		}
		for start := 0; start < len(ids); start += bulkRows {
			chunk := ids[start:min(start+bulkRows, len(ids))]
			var q strings.Builder
			q.WriteString(`INSERT INTO follows (account_id, person_id, openid, following, source, scene, subscribed_at, created_at) VALUES `)
			args := make([]any, 0, len(chunk)*6)
			for i, p := range chunk {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString(`(?, ?, ?, TRUE, ?, '', ?, ?)`)
				args = append(args, accountID, p, NewOpenID(), source, now, now)
			}
			// A returning follower keeps the openid; a current one is untouched
			// (the WHERE makes the update, and so the row count, skip them).
			q.WriteString(` ON CONFLICT (account_id, person_id) DO UPDATE SET following = TRUE, source = excluded.source,
				subscribed_at = excluded.subscribed_at, unsubscribed_at = 0 WHERE follows.following = FALSE`)
			res, err := tx.Exec(ctx, q.String(), args...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			added += int(n)
		}
		if added > 0 {
			_, err := tx.Exec(ctx, `UPDATE accounts SET follower_count = follower_count + ? WHERE id = ?`, added, accountID)
			return err
		}
		return nil
	})
	return added, err
}

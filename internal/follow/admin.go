package follow

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// MaxRemarkRunes is the longest remark an account may give a follower
// (WeChat: fewer than 30 characters).
const MaxRemarkRunes = 30

// ErrNotFollower is returned when the person has never followed the account.
var ErrNotFollower = errs.NotFoundf("This person does not follow the account.")

// SetBlocked blacklists or un-blacklists a follower of the account. A
// blacklisted follower cannot message the account and receives nothing
// from it.
func (s *Store) SetBlocked(ctx context.Context, accountID, personID int64, blocked bool) (err error) {
	defer errs.Wrap(&err, "follow.Store.SetBlocked(%d, %d)", accountID, personID)
	return s.updateFollower(ctx, accountID, `UPDATE follows SET blocked = ? WHERE account_id = ? AND person_id = ? RETURNING openid`, blocked, accountID, personID)
}

// SetRemark sets the account's private note on a follower ("" clears it).
func (s *Store) SetRemark(ctx context.Context, accountID, personID int64, remark string) (err error) {
	defer errs.Wrap(&err, "follow.Store.SetRemark(%d, %d)", accountID, personID)
	remark = strings.TrimSpace(remark)
	if utf8.RuneCountInString(remark) > MaxRemarkRunes {
		return errs.FieldInvalid("remark", "A remark has at most %d characters.", MaxRemarkRunes)
	}
	return s.updateFollower(ctx, accountID, `UPDATE follows SET remark = ? WHERE account_id = ? AND person_id = ? RETURNING openid`, remark, accountID, personID)
}

// updateFollower runs query, an UPDATE of one follower of account that
// returns its openid, in a transaction scoped to that follower, so that its
// commit invalidates only the follower's cached answers (db.Tx.ScopeFollower)
// rather than every one. No row: ErrNotFollower.
func (s *Store) updateFollower(ctx context.Context, accountID int64, query string, args ...any) error {
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		var openid string
		err := db.Get(tx.QueryRow(ctx, query, args...), &openid)
		if errors.Is(err, errs.NotFound) {
			return ErrNotFollower
		}
		if err != nil {
			return err
		}
		tx.ScopeFollower(accountID, openid)
		return nil
	})
}

package follow

import (
	"context"
	"strings"
	"unicode/utf8"

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
	res, err := s.db.Exec(ctx, `UPDATE follows SET blocked = ? WHERE account_id = ? AND person_id = ?`, blocked, accountID, personID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFollower
	}
	return nil
}

// SetRemark sets the account's private note on a follower ("" clears it).
func (s *Store) SetRemark(ctx context.Context, accountID, personID int64, remark string) (err error) {
	defer errs.Wrap(&err, "follow.Store.SetRemark(%d, %d)", accountID, personID)
	remark = strings.TrimSpace(remark)
	if utf8.RuneCountInString(remark) > MaxRemarkRunes {
		return errs.FieldInvalid("remark", "A remark has at most %d characters.", MaxRemarkRunes)
	}
	res, err := s.db.Exec(ctx, `UPDATE follows SET remark = ? WHERE account_id = ? AND person_id = ?`, remark, accountID, personID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFollower
	}
	return nil
}

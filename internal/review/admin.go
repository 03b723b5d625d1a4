package review

import (
	"context"
	"database/sql"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// FindAccounts finds accounts of any status for reviewers: by id, or by
// part of the name (normalised), newest first.
func (s *Store) FindAccounts(ctx context.Context, q string, limit int) (_ []*account.Account, err error) {
	defer errs.Wrap(&err, "review.Store.FindAccounts(%d)", limit)
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q = strings.TrimSpace(q)
	var rows *sql.Rows

	if n, ok := parseID(q); ok {
		rows, err = s.db.Query(ctx, `SELECT `+account.Cols+` FROM accounts a WHERE a.id = ?`, n)
	} else {
		rows, err = s.db.Query(ctx, `SELECT `+account.Cols+` FROM accounts a WHERE a.name_key LIKE ? ESCAPE '\'
			ORDER BY a.created_at DESC LIMIT ?`, "%"+db.EscapeLike(account.NormalizeName(q))+"%", limit)
	}
	return db.Collect(rows, err, func(r *sql.Rows) (*account.Account, error) { return account.Scan(r) })
}

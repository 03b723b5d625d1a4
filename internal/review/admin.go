package review

import (
	"context"
	"database/sql"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
)

// FindAccounts finds accounts of any status for reviewers: by id, or by
// part of the name (normalised), newest first.
func (s *Store) FindAccounts(ctx context.Context, q string, limit int) ([]*account.Account, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q = strings.TrimSpace(q)
	var rows *sql.Rows
	var err error
	if n, ok := parseID(q); ok {
		rows, err = s.db.Query(ctx, `SELECT `+account.Cols+` FROM accounts a WHERE a.id = ?`, n)
	} else {
		rows, err = s.db.Query(ctx, `SELECT `+account.Cols+` FROM accounts a WHERE a.name_key LIKE ? ESCAPE '\'
			ORDER BY a.created_at DESC LIMIT ?`, "%"+db.EscapeLike(account.NormalizeName(q))+"%", limit)
	}
	return db.Collect(rows, err, func(r *sql.Rows) (*account.Account, error) { return account.Scan(r) })
}

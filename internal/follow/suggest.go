package follow

import (
	"context"
	"database/sql"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// Suggestion is an account Discover suggests, with the industry it set for
// template messages (WeChat's industry code, 0 when it set none), which the
// follower app groups suggestions by.
type Suggestion struct {
	Account  *account.Account
	Industry int
}

// Suggestions returns active accounts the person does not follow, for
// Discover before any search: the verified accounts with the most
// followers, then the other accounts with the most followers, each list
// taking up to limit (so a little-known verified account still shows).
// Both read the accounts_suggest index (migration 0093) from its top.
func (s *Store) Suggestions(ctx context.Context, personID int64, limit int) (_ []Suggestion, err error) {
	defer errs.Wrap(&err, "follow.Store.Suggestions(%d, %d)", personID, limit)
	now := db.Micro(s.clock.Now())
	q := func(verified string, args ...any) ([]Suggestion, error) {
		rows, err := s.db.Query(ctx, `SELECT `+account.Cols+`, COALESCE(ti.industry1, 0) FROM accounts a
			LEFT JOIN template_industries ti ON ti.account_id = a.id
			WHERE a.status = 'active' AND `+verified+`
			AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.account_id = a.id AND f.person_id = ? AND f.following = TRUE)
			ORDER BY a.follower_count DESC, a.id LIMIT ?`, append(args, personID, limit)...)
		return db.Collect(rows, err, func(r *sql.Rows) (Suggestion, error) {
			var sg Suggestion
			a, err := account.Scan(scanWith{r, &sg.Industry})
			sg.Account = a
			return sg, err
		})
	}
	verified, err := q(`a.verified_until > ?`, now)
	if err != nil {
		return nil, err
	}
	others, err := q(`a.verified_until <= ?`, now)
	if err != nil {
		return nil, err
	}
	return append(verified, others...), nil
}

// scanWith scans an account's columns followed by extra ones.
type scanWith struct {
	r     *sql.Rows
	extra *int
}

func (s scanWith) Scan(dest ...any) error { return s.r.Scan(append(dest, s.extra)...) }

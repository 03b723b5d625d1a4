package db

import "context"

// NextNumber takes the next number of the named counter (the counters
// table, seeded by the migration that introduces each name). Numbers the
// developer API hands out come from here rather than from id.New: they are
// small, as WeChat's are, so JavaScript's JSON.parse (exact only up to
// 2^53) keeps every digit. Call it inside the transaction that stores the
// number: the counter's row stays locked until it commits, and a rolled
// back transaction gives its number back.
func NextNumber(ctx context.Context, tx *Tx, name string) (int64, error) {
	var n int64
	err := tx.QueryRow(ctx, `UPDATE counters SET next_value = next_value + 1 WHERE name = ? RETURNING next_value`, name).Scan(&n)
	return n, err
}

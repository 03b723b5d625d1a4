package db

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// This file holds every difference between SQLite and PostgreSQL that the
// shared layer knows about. Stores keep their own dialect branches in one
// place per store, next to the query that needs them.

// IsUniqueViolation reports whether err is a unique-constraint failure.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// IsCheckViolation reports whether err is a CHECK-constraint failure.
func IsCheckViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23514"
	}
	return err != nil && strings.Contains(err.Error(), "CHECK constraint failed")
}

func isBusy(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "SQLITE_BUSY") || strings.Contains(s, "database is locked")
}

// retryBusy runs fn again, a bounded number of times with backoff, while
// SQLite reports that the database is busy.
func retryBusy(ctx context.Context, d Dialect, fn func() error) error {
	err := fn()
	if d != SQLite {
		return err
	}
	delay := 10 * time.Millisecond
	for attempt := 0; attempt < 5 && isBusy(err); attempt++ {
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(delay):
		}
		delay *= 2
		err = fn()
	}
	return err
}

// Like returns a case-insensitive LIKE expression for column.
func (d Dialect) Like(column string) string {
	if d == Postgres {
		return column + " ILIKE ?"
	}
	return column + " LIKE ?" // SQLite's LIKE is case-insensitive for ASCII
}

// ForUpdateSkipLocked returns the row-locking suffix for a claim query: on
// SQLite the single writer connection already serialises claims.
func (d Dialect) ForUpdateSkipLocked() string {
	if d == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// EscapeLike escapes the LIKE wildcards in s, for use with ESCAPE '\'.
func EscapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

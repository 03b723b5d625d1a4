package db

import (
	"context"
	"errors"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// This file holds every difference between SQLite and PostgreSQL that the
// shared layer knows about. Stores keep their own dialect branches in one
// place per store, next to the query that needs them.

// PostgreSQL's SQLSTATE codes that Herald acts on.
const (
	pgUniqueViolation      = "23505"
	pgCheckViolation       = "23514"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
)

// sqliteCode returns the (extended) result code of a SQLite error, or -1.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return -1
}

// PostgresCode returns the SQLSTATE of a PostgreSQL error, or "" (also
// for every error of a build without PostgreSQL: postgres_none.go).
func PostgresCode(err error) string { return pgCode(err) }

// IsUniqueViolation reports whether err is a unique-constraint (or primary
// key) failure.
func IsUniqueViolation(err error) bool {
	switch sqliteCode(err) {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return true
	}
	return pgCode(err) == pgUniqueViolation
}

// IsCheckViolation reports whether err is a CHECK-constraint failure.
func IsCheckViolation(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_CHECK || pgCode(err) == pgCheckViolation
}

// isBusy reports whether err is worth running the statement or transaction
// again: SQLite's busy database (any SQLITE_BUSY_* code), or PostgreSQL's
// serialization failure or deadlock (the transaction was rolled back).
func isBusy(err error) bool {
	if c := sqliteCode(err); c >= 0 {
		return c&0xff == sqlite3.SQLITE_BUSY
	}
	switch pgCode(err) {
	case pgSerializationFailure, pgDeadlockDetected:
		return true
	}
	return false
}

// retryBusy runs fn again, a bounded number of times with backoff, while
// the database reports it busy (isBusy). fn is one statement or a whole
// transaction, so running it again is safe.
func retryBusy(ctx context.Context, d Dialect, fn func() error) error {
	err := fn()
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

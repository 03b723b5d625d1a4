//go:build emulator

package db

import (
	"context"
	"errors"
)

// The emulator's build (-tags emulator) links no PostgreSQL driver: it only
// ever opens SQLite, and pgx is a large part of the binary's size.

const postgresBuilt = false

var errNoPostgres = errors.New("db: this build has no PostgreSQL driver (it was built with -tags emulator); use the herald binary")

func pgCode(error) string { return "" }

func pgConnectError(error) bool { return false }

func pgCopyFrom(context.Context, any, string, []string, func() ([]any, error)) (int64, error) {
	return 0, errNoPostgres
}

//go:build !emulator

package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// PostgreSQL's driver (pgx) is linked into every build but the emulator's
// (-tags emulator: postgres_none.go), which only ever opens SQLite.

const postgresBuilt = true

var errNoPostgres error // never returned: this build has PostgreSQL

// pgCode returns the SQLSTATE of a PostgreSQL error, or "".
func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// pgConnectError reports whether err is a failure to connect to PostgreSQL.
func pgConnectError(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce)
}

// pgCopyFrom runs COPY into table on dc, a database/sql driver connection.
func pgCopyFrom(ctx context.Context, dc any, table string, cols []string, next func() ([]any, error)) (int64, error) {
	c, ok := dc.(*stdlib.Conn)
	if !ok {
		return 0, fmt.Errorf("db: copy: unexpected driver connection %T", dc)
	}
	return c.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(next))
}

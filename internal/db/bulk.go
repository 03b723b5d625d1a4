package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// CopyIn loads many rows into table as fast as the engine allows: COPY on
// PostgreSQL, prepared multi-row INSERTs in one transaction on SQLite. next
// returns the next row's values (in cols order), or nil at the end. It is
// for staging tables and bulk loads, not for rows that need ON CONFLICT.
func (db *DB) CopyIn(ctx context.Context, table string, cols []string, next func() ([]any, error)) (int64, error) {
	if db.dialect == Postgres {
		conn, err := db.w.Conn(ctx)
		if err != nil {
			return 0, err
		}
		defer conn.Close()
		var n int64
		err = conn.Raw(func(dc any) error {
			c, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("db: copy: unexpected driver connection %T", dc)
			}
			var err error
			n, err = c.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(next))
			return err
		})
		return n, err
	}
	var n int64
	err := db.Tx(ctx, func(tx *Tx) error {
		var err error
		n, err = insertRows(ctx, tx.tx, table, cols, 200, next)
		return err
	})
	return n, err
}

// CopyIn loads many rows into table inside the transaction, which must be
// a BulkTx on PostgreSQL (there it is COPY on the transaction's connection;
// on SQLite, prepared INSERTs of rowsPerStmt rows). It is for tables the
// transaction made (staging), not for rows that need ON CONFLICT.
func (tx *Tx) CopyIn(ctx context.Context, table string, cols []string, rowsPerStmt int, next func() ([]any, error)) (int64, error) {
	if tx.db.dialect != Postgres {
		return insertRows(ctx, tx.tx, table, cols, rowsPerStmt, next)
	}
	if tx.conn == nil {
		return 0, fmt.Errorf("db: copy into %s: the transaction is not a BulkTx", table)
	}
	tx.db.stmts.Add(1)
	var n int64
	err := tx.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("db: copy: unexpected driver connection %T", dc)
		}
		var err error
		n, err = c.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(next))
		return err
	})
	return n, err
}

// insertRows is SQLite's bulk load: one prepared INSERT of rowsPerStmt
// rows, run again and again, and one for the remainder.
func insertRows(ctx context.Context, tx *sql.Tx, table string, cols []string, rowsPerStmt int, next func() ([]any, error)) (int64, error) {
	rowsPerStmt = max(1, min(rowsPerStmt, 32766/len(cols)))
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	head := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES `
	stmtFor := func(rows int) string {
		return head + strings.TrimSuffix(strings.Repeat(row+",", rows), ",")
	}
	full, err := tx.PrepareContext(ctx, stmtFor(rowsPerStmt))
	if err != nil {
		return 0, err
	}
	defer full.Close()
	var n int64
	args := make([]any, 0, rowsPerStmt*len(cols))
	flush := func(stmt *sql.Stmt) error {
		if len(args) == 0 {
			return nil
		}
		var err error
		if stmt != nil {
			_, err = stmt.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, stmtFor(len(args)/len(cols)), args...)
		}
		args = args[:0]
		return err
	}
	for {
		vals, err := next()
		if err != nil {
			return n, err
		}
		if vals == nil {
			return n, flush(nil)
		}
		if len(vals) != len(cols) {
			return n, fmt.Errorf("db: copy: %d values for %d columns", len(vals), len(cols))
		}
		args = append(args, vals...)
		n++
		if len(args) == cap(args) {
			if err := flush(full); err != nil {
				return n, err
			}
		}
	}
}

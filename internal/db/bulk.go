package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
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
			var err error
			n, err = pgCopyFrom(ctx, dc, table, cols, next)
			return err
		})
		if followerTables[table] {
			db.followerWrite(nil)
		}
		return n, err
	}
	var n int64
	err := db.Tx(ctx, func(tx *Tx) error {
		tx.followers = tx.followers || followerTables[table]
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
	tx.followers = tx.followers || followerTables[table]
	if tx.db.dialect != Postgres {
		return insertRows(ctx, tx.tx, table, cols, rowsPerStmt, next)
	}
	if tx.conn == nil {
		return 0, fmt.Errorf("db: copy into %s: the transaction is not a BulkTx", table)
	}
	tx.db.stmts.Add(1)
	var n int64
	err := tx.conn.Raw(func(dc any) error {
		var err error
		n, err = pgCopyFrom(ctx, dc, table, cols, next)
		return err
	})
	return n, err
}

// ExecRows runs one statement over many rows, rowsPerStmt rows at a time:
// build gets the VALUES list of n rows ("(?,?,…),(?,?,…)…", ncols
// parameters a row) and returns the statement, which may read the list as
// a table (INSERT … SELECT … FROM (VALUES …) v LEFT JOIN …, to look each
// row up as it is loaded); the arguments are the rows' values, then tail.
// The statement for rowsPerStmt rows is prepared once and run again and
// again, one more is made for the rest. next appends one row's ncols
// values to args and reports false at the end; args is reused between
// statements, so a row costs no slice of its own. It returns the rows
// read. It is meant for SQLite (PostgreSQL loads with CopyIn).
func (tx *Tx) ExecRows(ctx context.Context, ncols, rowsPerStmt int, build func(values string) string, tail []any,
	next func(args []any) ([]any, bool, error)) (int64, error) {
	noted := func(values string) string { q := build(values); tx.note(q); return q }
	return execRows(ctx, tx.tx, tx.db.rebind, ncols, rowsPerStmt, noted, tail, next)
}

// insertRows is SQLite's bulk load: one prepared INSERT of rowsPerStmt
// rows, run again and again, and one for the remainder.
func insertRows(ctx context.Context, tx *sql.Tx, table string, cols []string, rowsPerStmt int, next func() ([]any, error)) (int64, error) {
	head := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES `
	return execRows(ctx, tx, func(q string) string { return q }, len(cols), rowsPerStmt, func(values string) string { return head + values }, nil,
		func(args []any) ([]any, bool, error) {
			vals, err := next()
			if err != nil || vals == nil {
				return args, false, err
			}
			if len(vals) != len(cols) {
				return args, false, fmt.Errorf("db: copy: %d values for %d columns", len(vals), len(cols))
			}
			return append(args, vals...), true, nil
		})
}

// maxSQLiteParams is SQLite's limit on a statement's parameters.
const maxSQLiteParams = 32766

func execRows(ctx context.Context, tx *sql.Tx, rebind func(string) string, ncols, rowsPerStmt int, build func(values string) string, tail []any,
	next func(args []any) ([]any, bool, error)) (int64, error) {
	if ncols < 1 {
		return 0, fmt.Errorf("db: rows of %d columns", ncols)
	}
	rowsPerStmt = max(1, min(rowsPerStmt, (maxSQLiteParams-len(tail))/ncols))
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", ncols), ",") + ")"
	stmtFor := func(rows int) string {
		return rebind(build(strings.TrimSuffix(strings.Repeat(row+",", rows), ",")))
	}
	full, err := tx.PrepareContext(ctx, stmtFor(rowsPerStmt))
	if err != nil {
		return 0, err
	}
	defer full.Close()
	var n int64
	batch := rowsPerStmt * ncols
	args := make([]any, 0, batch+len(tail))
	flush := func(stmt *sql.Stmt) error {
		if len(args) == 0 {
			return nil
		}
		rows := len(args) / ncols
		args = append(args, tail...)
		var err error
		if stmt != nil {
			_, err = stmt.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, stmtFor(rows), args...)
		}
		clear(args)
		args = args[:0]
		return err
	}
	for {
		before := len(args)
		var ok bool
		args, ok, err = next(args)
		if err != nil {
			return n, err
		}
		if !ok {
			return n, flush(nil)
		}
		if len(args)-before != ncols {
			return n, fmt.Errorf("db: %d values for a row of %d columns", len(args)-before, ncols)
		}
		n++
		if len(args) == batch {
			if err := flush(full); err != nil {
				return n, err
			}
		}
	}
}

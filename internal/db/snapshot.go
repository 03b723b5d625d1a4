package db

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
)

// Snapshot runs fn in a read-only transaction that sees one consistent state
// of the whole database while writers carry on: REPEATABLE READ on
// PostgreSQL, a read transaction on a reader connection on SQLite (WAL keeps
// its snapshot from the first read). fn must only read through tx.
func (db *DB) Snapshot(ctx context.Context, fn func(tx *Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	sqlTx, err := db.r.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("db: begin snapshot: %w", err)
	}
	defer sqlTx.Rollback()
	return fn(&Tx{tx: sqlTx, db: db})
}

// SnapshotsCommitted reports whether a Snapshot sees only committed rows:
// true on PostgreSQL and on SQLite in a file (WAL: the last commit before
// the snapshot's first read); false on in-memory SQLite, whose readers
// share the writer's cache and read what an open write transaction has
// written (OpenMemory).
func (db *DB) SnapshotsCommitted() bool { return db.keep == nil }

// Tables lists the application's tables (schema_migrations and derived
// tables excepted) so that every table comes after the tables its foreign
// keys name.
func Tables(ctx context.Context, q Querier) ([]string, error) {
	var names []string
	var err error
	if q.Dialect() == Postgres {
		names, err = strings1(ctx, q, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	} else {
		names, err = strings1(ctx, q, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	}
	if err != nil {
		return nil, err
	}
	deps := map[string][]string{}
	for _, n := range names {
		var refs []string
		if q.Dialect() == Postgres {
			refs, err = strings1(ctx, q, `SELECT DISTINCT cf.relname::text FROM pg_constraint c JOIN pg_class ct ON ct.oid = c.conrelid
				JOIN pg_class cf ON cf.oid = c.confrelid JOIN pg_namespace ns ON ns.oid = ct.relnamespace
				WHERE c.contype = 'f' AND ns.nspname = current_schema() AND ct.relname = ?`, n)
		} else {
			refs, err = strings1(ctx, q, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`, n)
		}
		if err != nil {
			return nil, err
		}
		deps[n] = refs
	}
	sort.Strings(names)
	var out []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(n string)
	visit = func(n string) {
		if state[n] != 0 {
			return
		}
		state[n] = 1
		for _, d := range deps[n] {
			if d != n {
				visit(d)
			}
		}
		state[n] = 2
		if n != "schema_migrations" && !derivedTables[n] {
			out = append(out, n)
		}
	}
	for _, n := range names {
		visit(n)
	}
	return out, nil
}

// derivedTables are tables whose rows triggers write from other tables'
// (SQLite's folder_accounts, from accounts: migration 0147; PostgreSQL's
// account_changes, from writes of accounts: 0148). They are not the
// application's data: a backup leaves them out, and a restore fills them
// again by restoring the tables they come from.
var derivedTables = map[string]bool{"folder_accounts": true, "account_changes": true}

func strings1(ctx context.Context, q Querier, query string, args ...any) ([]string, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

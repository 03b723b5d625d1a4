package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migrations are numbered SQL files, forward-only, one sequence for both
// engines (numbers may leave gaps; every known step not yet recorded runs,
// in order): migrations/NNNN_name.sql is portable SQL that runs on both.
// When a step cannot be written portably, NNNN_name.postgres.sql and
// NNNN_name.sqlite.sql replace it for that engine. Each step runs in its own
// transaction together with the row that records it.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// Migration is one numbered step.
type Migration struct {
	Version int
	Name    string
	SQL     map[Dialect]string
}

// Migrations returns the embedded steps in order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	byVersion := map[int]*Migration{}
	for _, e := range entries {
		name := e.Name()
		num, rest, ok := strings.Cut(name, "_")
		if !ok || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("db: migration file %q is not NNNN_name.sql", name)
		}
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("db: migration file %q: bad number", name)
		}
		body, err := fs.ReadFile(migrationFS, path.Join("migrations", name))
		if err != nil {
			return nil, err
		}
		m := byVersion[v]
		if m == nil {
			m = &Migration{Version: v, SQL: map[Dialect]string{}}
			byVersion[v] = m
		}
		base := strings.TrimSuffix(rest, ".sql")
		switch {
		case strings.HasSuffix(base, ".postgres"):
			m.SQL[Postgres] = string(body)
			base = strings.TrimSuffix(base, ".postgres")
		case strings.HasSuffix(base, ".sqlite"):
			m.SQL[SQLite] = string(body)
			base = strings.TrimSuffix(base, ".sqlite")
		default:
			if _, ok := m.SQL[Postgres]; !ok {
				m.SQL[Postgres] = string(body)
			}
			if _, ok := m.SQL[SQLite]; !ok {
				m.SQL[SQLite] = string(body)
			}
		}
		if m.Name != "" && m.Name != base {
			return nil, fmt.Errorf("db: migration %04d has two names: %q and %q", v, m.Name, base)
		}
		m.Name = base
	}
	out := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for _, m := range out {
		if m.SQL[SQLite] == "" || m.SQL[Postgres] == "" {
			return nil, fmt.Errorf("db: migration %04d_%s has SQL for only one engine", m.Version, m.Name)
		}
	}
	return out, nil
}

// LatestVersion is the newest migration this binary knows.
func LatestVersion() int {
	ms, err := Migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

// MigrationLock is the PostgreSQL advisory lock key Migrate holds
// ("herald-m" in ASCII).
const MigrationLock int64 = 0x68657261_6c642d6d

const createVersionTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`

// Version returns the newest schema version recorded in the database (0 when none).
func (db *DB) Version(ctx context.Context) (int, error) {
	applied, err := db.applied(ctx)
	if err != nil {
		return 0, err
	}
	v := 0
	for a := range applied {
		v = max(v, a)
	}
	return v, nil
}

// applied returns the set of migration versions recorded in the database.
func (db *DB) applied(ctx context.Context) (map[int]bool, error) {
	if _, err := db.Exec(ctx, createVersionTable); err != nil {
		return nil, fmt.Errorf("db: version table: %w", err)
	}
	rows, err := db.w.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("db: read versions: %w", err)
	}
	defer rows.Close()
	out := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out[v] = true
	}
	return out, rows.Err()
}

// pending compares the applied versions with the known migrations.
func pending(ms []Migration, applied map[int]bool) (todo []Migration, unknown []int) {
	known := map[int]bool{}
	for _, m := range ms {
		known[m.Version] = true
		if !applied[m.Version] {
			todo = append(todo, m)
		}
	}
	for v := range applied {
		if !known[v] {
			unknown = append(unknown, v)
		}
	}
	sort.Ints(unknown)
	return todo, unknown
}

// Migrate applies every pending migration and returns how many it applied.
// It refuses to touch a database whose schema is newer than this binary.
//
// Several nodes may start together: on PostgreSQL the whole run holds a
// session advisory lock (pg_advisory_lock), so one node migrates while the
// others wait and then find nothing left to do; on SQLite each step's
// write transaction checks again that the step is still pending.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	ms, err := Migrations()
	if err != nil {
		return 0, err
	}
	if db.dialect == Postgres {
		conn, err := db.w.Conn(ctx)
		if err != nil {
			return 0, fmt.Errorf("db: migrate: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, MigrationLock); err != nil {
			return 0, fmt.Errorf("db: migrate: wait for the migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, MigrationLock)
	}
	done, err := db.applied(ctx)
	if err != nil {
		return 0, err
	}
	todo, unknown := pending(ms, done)
	if len(unknown) > 0 {
		return 0, fmt.Errorf("db: the database has schema version %d, which this herald does not know: run a newer herald", unknown[0])
	}
	applied := 0
	if db.dialect == SQLite && len(done) == 0 && !db.noSnapshot {
		// An empty database: the schema snapshot stands for the first
		// migrations (those it names), the rest run one by one below.
		n, err := db.applySnapshot(ctx, ms)
		if err != nil {
			return 0, err
		}
		if n > 0 {
			applied = n
			if done, err = db.applied(ctx); err != nil {
				return applied, err
			}
			todo, _ = pending(ms, done)
		}
	}
	for _, m := range todo {
		ran := false
		err := db.Tx(ctx, func(tx *Tx) error {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil // another process applied it meanwhile
			}
			ran = true
			if _, err := tx.Exec(ctx, m.SQL[db.dialect]); err != nil {
				return fmt.Errorf("db: migration %04d_%s: %w", m.Version, m.Name, err)
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.Version, m.Name, time.Now().UnixMicro())
			return err
		})
		if err != nil {
			return applied, err
		}
		if ran {
			applied++
		}
	}
	return applied, nil
}

// CheckCurrent returns an error unless every migration this binary knows is
// applied and the database has none that it does not know.
func (db *DB) CheckCurrent(ctx context.Context) error {
	ms, err := Migrations()
	if err != nil {
		return err
	}
	done, err := db.applied(ctx)
	if err != nil {
		return err
	}
	todo, unknown := pending(ms, done)
	if len(unknown) > 0 {
		return fmt.Errorf("db: schema version %d is newer than this herald knows", unknown[0])
	}
	if len(todo) > 0 {
		return fmt.Errorf("db: %d migrations pending (next %04d_%s): run herald migrate", len(todo), todo[0].Version, todo[0].Name)
	}
	return nil
}

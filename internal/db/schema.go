package db

import (
	"context"
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// schemaSQLite is the schema (and the rows) that the migrations it names
// leave in an empty SQLite database, as one script: creating it costs a
// fraction of running the migrations one by one, each in its own
// transaction, with SQLite reading the whole schema again after every
// ALTER TABLE. TestSchemaSnapshot checks that it equals what the
// migrations produce, and rewrites it with -update.
//
//go:embed schema.sqlite.sql
var schemaSQLite string

// schemaVersions returns the migrations the snapshot stands for (its
// "-- versions:" line) and its script.
func schemaVersions(snapshot string) ([]int, string, error) {
	for line := range strings.Lines(snapshot) {
		rest, ok := strings.CutPrefix(line, "-- versions:")
		if !ok {
			continue
		}
		var vs []int
		for _, f := range strings.Fields(rest) {
			v, err := strconv.Atoi(f)
			if err != nil {
				return nil, "", fmt.Errorf("db: schema snapshot: bad version %q", f)
			}
			vs = append(vs, v)
		}
		return vs, snapshot, nil
	}
	return nil, "", fmt.Errorf("db: schema snapshot without a versions line")
}

// applySnapshot creates the snapshot's schema in an empty SQLite database
// and records its migrations as applied, in one transaction, and returns
// how many it recorded: 0 when the database is not empty (another process
// got there first) or when the snapshot is not the first migrations this
// binary knows, in order (then the migrations run one by one, as always).
func (db *DB) applySnapshot(ctx context.Context, ms []Migration) (int, error) {
	vs, script, err := schemaVersions(schemaSQLite)
	if err != nil || len(vs) == 0 || len(vs) > len(ms) {
		return 0, err
	}
	for i, v := range vs {
		if ms[i].Version != v {
			return 0, nil
		}
	}
	recorded := 0
	err = db.Tx(ctx, func(tx *Tx) error {
		var objects, versions int
		if err := tx.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM sqlite_master WHERE name <> 'schema_migrations' AND name NOT LIKE 'sqlite_%'),
			(SELECT COUNT(*) FROM schema_migrations)`).Scan(&objects, &versions); err != nil {
			return err
		}
		if objects > 0 || versions > 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, script); err != nil {
			return fmt.Errorf("db: schema snapshot: %w", err)
		}
		var q strings.Builder
		q.WriteString(`INSERT INTO schema_migrations (version, name, applied_at) VALUES `)
		args := make([]any, 0, 3*len(vs))
		now := time.Now().UnixMicro()
		for i := range vs {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?)")
			args = append(args, ms[i].Version, ms[i].Name, now)
		}
		if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
			return err
		}
		recorded = len(vs)
		return nil
	})
	return recorded, err
}

package db_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

func TestMigrationsAreOrderedAndPerDialect(t *testing.T) {
	ms, err := db.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		t.Fatal("no migrations embedded")
	}
	for i, m := range ms {
		if i > 0 && m.Version <= ms[i-1].Version {
			t.Errorf("migration %d has version %d after %d", i, m.Version, ms[i-1].Version)
		}
		if strings.TrimSpace(m.SQL[db.SQLite]) == "" || strings.TrimSpace(m.SQL[db.Postgres]) == "" {
			t.Errorf("migration %04d_%s lacks SQL for one engine", m.Version, m.Name)
		}
	}
}

func TestMigrateIsCurrentAndIdempotent(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	if err := d.CheckCurrent(ctx); err != nil {
		t.Fatalf("fresh database not current: %v", err)
	}
	n, err := d.Migrate(ctx)
	if err != nil || n != 0 {
		t.Fatalf("second migrate applied %d steps, err %v; want 0, nil", n, err)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	future := db.LatestVersion() + 1
	if _, err := d.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)`, future); err != nil {
		t.Fatal(err)
	}
	if err := d.CheckCurrent(ctx); err == nil {
		t.Fatal("CheckCurrent accepted a schema newer than the binary")
	}
	if _, err := d.Migrate(ctx); err == nil {
		t.Fatal("Migrate ran on a schema newer than the binary")
	}
}

func TestNotFoundSentinelAndRollback(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	var v string
	err := db.Get(d.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, "missing"), &v)
	if !errors.Is(err, db.ErrNotFound) || !errors.Is(err, errs.NotFound) {
		t.Fatalf("missing row: got %v, want db.ErrNotFound of kind NotFound", err)
	}

	boom := errors.New("boom")
	err = d.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)`, "k", "v", 1); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Tx returned %v, want boom", err)
	}
	err = db.Get(d.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, "k"), &v)
	if !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("rolled-back insert is visible: %v", err)
	}
}

func TestUniqueViolationIsRecognised(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	ins := `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, ?, 'x', 'x', 0, 0)`
	if _, err := d.Exec(ctx, ins, id.New(), "same"); err != nil {
		t.Fatal(err)
	}
	_, err := d.Exec(ctx, ins, id.New(), "same")
	if !db.IsUniqueViolation(err) {
		t.Fatalf("duplicate username: got %v, want a unique violation", err)
	}
	_, err = d.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, platform_role, created_at, updated_at) VALUES (?, 'r', 'x', 'x', 'king', 0, 0)`, id.New())
	if !db.IsCheckViolation(err) {
		t.Fatalf("bad role: got %v, want a check violation", err)
	}
}

func TestSQLiteFileLivesInDataDir(t *testing.T) {
	dir := t.TempDir()
	d, err := db.Open(context.Background(), "", filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := os.Stat(filepath.Join(dir, "data", "herald.db")); err != nil {
		t.Fatalf("database file not created in the data directory: %v", err)
	}
}

func TestIDsIncrease(t *testing.T) {
	g := id.NewGenerator()
	prev := g.Next()
	for i := 0; i < 10000; i++ {
		n := g.Next()
		if n <= prev {
			t.Fatalf("id %d not greater than %d", n, prev)
		}
		prev = n
	}
}

// TestNodesMigrateTogether: three nodes start at once on an empty
// database; every migration is applied exactly once and none fails.
func TestNodesMigrateTogether(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Empty(t)
	nodes := []*db.DB{d, dbtest.Reopen(t, d), dbtest.Reopen(t, d)}
	ms, err := db.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		n   int
		err error
	}
	results := make(chan result, len(nodes))
	for _, n := range nodes {
		go func() {
			applied, err := n.Migrate(ctx)
			results <- result{applied, err}
		}()
	}
	total := 0
	for range nodes {
		r := <-results
		if r.err != nil {
			t.Fatalf("a node failed to migrate: %v", r.err)
		}
		total += r.n
	}
	if total != len(ms) {
		t.Fatalf("%d migrations applied across the nodes, want %d (each once)", total, len(ms))
	}
	for i, n := range nodes {
		if err := n.CheckCurrent(ctx); err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
	}
}

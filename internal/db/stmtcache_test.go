package db

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// Statements run through the SQLite pools stay prepared, keep answering
// after the schema changes under them, and long generated texts are not
// kept.
func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, "", filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Exec(ctx, `CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := d.Exec(ctx, `INSERT INTO t (a, b) VALUES (?, ?)`, i, "x"); err != nil {
			t.Fatal(err)
		}
	}
	count := func() int {
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM t WHERE b = ?`, "x").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 3 {
		t.Fatalf("count = %d, want 3", n)
	}
	readers, writers := d.rstmts.n.Load(), d.wstmts.n.Load()
	if count() != 3 || d.rstmts.n.Load() != readers {
		t.Errorf("a repeated read prepared a new statement (%d → %d)", readers, d.rstmts.n.Load())
	}
	if writers < 2 {
		t.Errorf("the writer kept %d statements, want the CREATE and the INSERT", writers)
	}

	// The schema changes under the prepared statements: SQLite prepares
	// them again by itself.
	if _, err := d.Exec(ctx, `ALTER TABLE t ADD COLUMN c INTEGER NOT NULL DEFAULT 7`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO t (a, b) VALUES (?, ?)`, 10, "x"); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 4 {
		t.Errorf("count after ALTER TABLE = %d, want 4", n)
	}

	// A long generated text runs but is not kept.
	long := `SELECT COUNT(*) FROM t WHERE a IN (?` + strings.Repeat(", ?", 2000) + `)`
	args := make([]any, 2001)
	for i := range args {
		args[i] = i
	}
	before := d.rstmts.n.Load()
	var n int
	if err := d.QueryRow(ctx, long, args...).Scan(&n); err != nil || n != 4 {
		t.Fatalf("long query: %d, %v", n, err)
	}
	if d.rstmts.n.Load() != before {
		t.Error("a long generated query was kept prepared")
	}

	// A statement that cannot be prepared reports SQLite's error.
	if _, err := d.Query(ctx, `SELECT nope FROM t`); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("bad query: %v", err)
	}
}

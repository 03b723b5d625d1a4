package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// A write statement made before its table exists runs once the table is
// there, writes in the transaction that runs it, and leaves nothing when
// that transaction rolls back; running it many times gives the rows of
// every run.
func TestWriteStmt(t *testing.T) {
	d := dbtest.Empty(t)
	ctx := context.Background()
	ins := d.PrepareWrite(`INSERT INTO ws (a, b) VALUES (?, ?), (?, ?)`)
	ins.Prepare(ctx) // no table yet: stays unprepared, without an error
	if _, err := d.Exec(ctx, `CREATE TABLE ws (a BIGINT PRIMARY KEY, b TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i := range int64(5) {
		ins.Prepare(ctx)
		if err := d.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecStmt(ctx, ins, 2*i, "x", 2*i+1, "y")
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	boom := errors.New("boom")
	if err := d.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecStmt(ctx, ins, 100, "x", 101, "y"); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("Tx = %v, want boom", err)
	}
	if err := d.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecStmt(ctx, ins, 0, "again", 200, "z") // a duplicate key fails the statement
		return err
	}); err == nil {
		t.Fatal("a duplicate key was inserted")
	}
	var n, ys int
	if err := d.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN b = 'y' THEN 1 ELSE 0 END), 0) FROM ws`).Scan(&n, &ys); err != nil {
		t.Fatal(err)
	}
	if n != 10 || ys != 5 {
		t.Errorf("%d rows (%d with y), want 10 (5)", n, ys)
	}
}

// A transaction that runs a write statement of follower data counts as a
// write of follower data (its commit moves the generation), however long
// the statement's text; one that writes another table does not.
func TestWriteStmtNotesFollowerWrites(t *testing.T) {
	d := dbtest.Empty(t)
	ctx := context.Background()
	for _, q := range []string{`CREATE TABLE follows (a BIGINT NOT NULL)`, `CREATE TABLE other (a BIGINT NOT NULL)`} {
		if _, err := d.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	const rows = 400 // past the longest text the classifier keeps (4,096 characters)
	values := "(?)" + strings.Repeat(", (?)", rows-1)
	args := make([]any, rows)
	for i := range args {
		args[i] = int64(i)
	}
	for _, c := range []struct {
		table string
		moves bool
	}{{"follows", true}, {"other", false}, {"follows", true}} {
		s := d.PrepareWrite(`INSERT INTO ` + c.table + ` (a) VALUES ` + values)
		s.Prepare(ctx)
		before := d.FollowerGeneration()
		if err := d.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecStmt(ctx, s, args...)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if moved := d.FollowerGeneration() != before; moved != c.moves {
			t.Errorf("%s: generation moved %v, want %v", c.table, moved, c.moves)
		}
	}
}

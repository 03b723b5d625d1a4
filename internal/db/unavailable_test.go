package db_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// TestUnavailableTellsOutagesFromMistakes: a closed pool and a database
// nobody answers for are outages; a bad query, a duplicate key, a missing
// row and a failed outbound request are not.
func TestUnavailableTellsOutagesFromMistakes(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)

	var n int
	err := d.QueryRow(ctx, `SELECT nosuchcolumn FROM nosuchtable`).Scan(&n)
	if err == nil || db.Unavailable(err) {
		t.Errorf("a bad query: %v, unavailable %v", err, db.Unavailable(err))
	}
	if _, err := d.Exec(ctx, `CREATE TABLE t_unavail (k INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	_, _ = d.Exec(ctx, `INSERT INTO t_unavail (k) VALUES (1)`)
	_, err = d.Exec(ctx, `INSERT INTO t_unavail (k) VALUES (1)`)
	if !db.IsUniqueViolation(err) || db.Unavailable(err) {
		t.Errorf("a duplicate key: %v, unavailable %v", err, db.Unavailable(err))
	}
	if db.Unavailable(db.ErrNotFound) || db.Unavailable(fmt.Errorf("wrapped: %w", db.ErrNotFound)) {
		t.Error("a missing row counted as an outage")
	}
	c := &http.Client{Timeout: 2 * time.Second}
	if _, err := c.Get("http://127.0.0.1:1/"); err == nil || db.Unavailable(err) {
		t.Errorf("a failed outbound request: %v, unavailable %v", err, db.Unavailable(err))
	}

	// The pool closed under the application.
	d2 := dbtest.Reopen(t, d)
	d2.Close()
	err = d2.QueryRow(ctx, `SELECT 1`).Scan(&n)
	if !db.Unavailable(err) || !db.Unavailable(fmt.Errorf("load session: %w", err)) {
		t.Errorf("a closed pool: %v, not an outage", err)
	}

	// A PostgreSQL server that does not answer.
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err = db.Open(tctx, "postgres://herald:secret@127.0.0.1:1/herald?sslmode=disable&connect_timeout=5", "")
	if err == nil || !db.Unavailable(err) {
		t.Errorf("a dead PostgreSQL: %v, not an outage", err)
	}
	if db.Unavailable(nil) || db.Unavailable(errors.New("something else")) {
		t.Error("nil or an unrelated error counted as an outage")
	}
}

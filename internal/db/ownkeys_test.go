package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// BulkTxOwnKeys leaves foreign keys unenforced for its transaction on
// SQLite only, and however the transaction ends (commit, error, panic)
// the writer enforces them again afterwards, and cascades again.
func TestBulkTxOwnKeys(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	// A tag of an account that does not exist breaks tags' reference to
	// accounts.
	orphan := `INSERT INTO tags (account_id, id, name, name_key, follower_count, created_at) VALUES (987654321, 1, 'Orphan', 'orphan', 0, 1)`
	enforced := func(when string) {
		t.Helper()
		if _, err := d.Exec(ctx, orphan); err == nil {
			t.Fatalf("%s: the writer took a row that breaks a foreign key", when)
		}
		if d.Dialect() == db.SQLite {
			var on int
			if err := d.WriterQueryRow(ctx, `PRAGMA foreign_keys`).Scan(&on); err != nil || on != 1 {
				t.Fatalf("%s: PRAGMA foreign_keys = %d, %v", when, on, err)
			}
		}
	}
	enforced("before")

	errStop := errors.New("stop")
	err := d.BulkTxOwnKeys(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, orphan)
		if d.Dialect() == db.SQLite && err != nil {
			t.Errorf("SQLite enforced a foreign key in BulkTxOwnKeys: %v", err)
		}
		if d.Dialect() == db.Postgres && err == nil {
			t.Error("PostgreSQL took a row that breaks a foreign key")
		}
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Fatal(err)
	}
	enforced("after a rollback")

	if err := d.BulkTxOwnKeys(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `SELECT 1`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	enforced("after a commit")

	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("recovered %v", r)
			}
		}()
		_ = d.BulkTxOwnKeys(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO tag_counters (account_id, next_id) VALUES (987654321, 1)`); err != nil && d.Dialect() == db.SQLite {
				t.Error(err)
			}
			panic("boom")
		})
	}()
	enforced("after a panic")
	var n int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM tag_counters WHERE account_id = 987654321`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the panicked transaction left %d rows (%v)", n, err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	err = d.BulkTxOwnKeys(cancelled, func(tx *db.Tx) error {
		cancel()
		return cancelled.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	enforced("after a cancelled context")
}

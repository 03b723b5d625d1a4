package db_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// Migration 0141 queues the push-log rows analytics has not imported yet
// (and no handshake, which is never imported) with the columns the import
// reads, and drops the flag that marked them.
func TestPushImportQueueMigration(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Empty(t)
	dbtest.MigrateBelow(t, d, 141)
	if _, err := d.Exec(ctx, `INSERT INTO accounts (id, type, region, name, name_key, status, created_at, updated_at) VALUES (5, 'service', 'domestic', 'Tea House', 'tea house', 'active', 1, 1)`); err != nil {
		t.Fatal(err)
	}
	insert := func(id int64, kind string, ok bool, imported bool) {
		t.Helper()
		q := `INSERT INTO push_deliveries (id, account_id, person_id, kind, mode, url, ok, duration_us, created_at) VALUES (?, 5, ?, ?, 'safe', 'https://dev.example/wx', ?, ?, ?)`
		args := []any{id, id * 10, kind, ok, id * 100, id * 1000}
		if imported {
			q = `INSERT INTO push_deliveries (id, account_id, person_id, kind, mode, url, ok, duration_us, created_at, analytics_imported) VALUES (?, 5, ?, ?, 'safe', 'https://dev.example/wx', ?, ?, ?, TRUE)`
		}
		if _, err := d.Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	insert(1, "message", true, false) // not imported yet: queued
	insert(2, "event", false, false)  // not imported yet: queued
	insert(3, "message", true, true)  // imported: not queued
	insert(4, "verify", true, false)  // a handshake: never imported
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	type row struct {
		id, account, person int64
		kind                string
		ok                  bool
		us, at              int64
	}
	rows, err := d.Query(ctx, `SELECT id, account_id, person_id, kind, ok, duration_us, created_at FROM push_import_queue ORDER BY id`)
	got, err := db.Collect(rows, err, func(r *sql.Rows) (row, error) {
		var x row
		return x, r.Scan(&x.id, &x.account, &x.person, &x.kind, &x.ok, &x.us, &x.at)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []row{{1, 5, 10, "message", true, 100, 1000}, {2, 5, 20, "event", false, 200, 2000}}
	if len(got) != len(want) {
		t.Fatalf("queued %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("queued %+v, want %+v", got[i], want[i])
		}
	}
	if _, err := d.Exec(ctx, `UPDATE push_deliveries SET analytics_imported = TRUE`); err == nil {
		t.Error("push_deliveries still has analytics_imported: a node of the previous release would import by it and count rows twice")
	}
}

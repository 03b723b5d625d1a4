package db_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// Migration 0147 gives SQLite folder_accounts, the Subscriptions folder's
// copy of the active Subscription accounts' last publication times: filled
// from accounts by the migration, then kept equal to them by triggers
// through every kind of write to accounts.
func TestFolderAccountsFollowAccounts(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Empty(t)
	if d.Dialect() != db.SQLite {
		t.Skip("folder_accounts is SQLite's")
	}
	dbtest.MigrateBelow(t, d, 147)
	exec := func(q string) {
		t.Helper()
		if _, err := d.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	account := func(id int64, typ, status string, last int64) {
		t.Helper()
		exec(fmt.Sprintf(`INSERT INTO accounts (id, type, region, name, name_key, status, last_published_at, created_at, updated_at)
			VALUES (%[1]d, '%[2]s', 'domestic', 'A%[1]d', 'a%[1]d', '%[3]s', %[4]d, 1, 1)`, id, typ, status, last))
	}
	list := func(q string) string {
		t.Helper()
		rows, err := d.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out string
		for rows.Next() {
			var id, at int64
			if err := rows.Scan(&id, &at); err != nil {
				t.Fatal(err)
			}
			out += fmt.Sprintf(" %d@%d", id, at)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	check := func(step, want string) {
		t.Helper()
		got := list(`SELECT id, last_published_at FROM folder_accounts ORDER BY id`)
		fromAccounts := list(`SELECT id, last_published_at FROM accounts
			WHERE type = 'subscription' AND status = 'active' AND last_published_at > 0 ORDER BY id`)
		if got != want || got != fromAccounts {
			t.Fatalf("%s: folder_accounts%s, accounts%s, want%s", step, got, fromAccounts, want)
		}
	}
	account(1, "subscription", "active", 50)
	account(2, "subscription", "active", 0)
	account(3, "service", "active", 70)
	account(4, "subscription", "suspended", 90)
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	check("migrated", " 1@50")

	account(5, "subscription", "active", 30)
	account(6, "subscription", "pending", 0)
	account(7, "service", "active", 0)
	check("inserted", " 1@50 5@30")
	exec(`UPDATE accounts SET last_published_at = 60 WHERE id = 1`)
	exec(`UPDATE accounts SET last_published_at = 10 WHERE id = 2`)
	exec(`UPDATE accounts SET last_published_at = 10 WHERE id = 3`)
	check("published", " 1@60 2@10 5@30")
	exec(`UPDATE accounts SET status = 'suspended' WHERE id = 1`)
	exec(`UPDATE accounts SET status = 'active' WHERE id = 4`)
	exec(`UPDATE accounts SET status = 'active' WHERE id = 6`)
	check("statuses changed", " 2@10 4@90 5@30")
	exec(`UPDATE accounts SET status = 'active', last_published_at = 65 WHERE id = 1`)
	exec(`UPDATE accounts SET name = 'Renamed', follower_count = 3 WHERE id = 2`)
	exec(`UPDATE accounts SET type = 'service' WHERE id = 5`)
	check("reactivated, renamed, retyped", " 1@65 2@10 4@90")
	exec(`UPDATE accounts SET last_published_at = 0 WHERE id = 4`)
	exec(`DELETE FROM accounts WHERE id = 2`)
	check("unpublished, deleted", " 1@65")
}

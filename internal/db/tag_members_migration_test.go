package db_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// Migration 0136 rebuilds SQLite's tag_members without a rowid: the
// memberships stay, with their times, and both foreign keys still cascade.
func TestTagMembersMigrationKeepsMemberships(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Empty(t)
	dbtest.MigrateBelow(t, d, 136)
	for _, q := range []string{
		`INSERT INTO accounts (id, type, region, name, name_key, status, created_at, updated_at) VALUES (5, 'service', 'domestic', 'Tea House', 'tea house', 'active', 1, 1)`,
		`INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (11, 'mei', 'Mei', '!', 1, 1), (12, 'lin', 'Lin', '!', 1, 1)`,
		`INSERT INTO tags (account_id, id, name, name_key, follower_count, created_at) VALUES (5, 100, 'Gold', 'gold', 2, 1), (5, 101, 'Silver', 'silver', 1, 1)`,
		`INSERT INTO tag_members (account_id, tag_id, person_id, created_at) VALUES (5, 101, 12, 7), (5, 100, 12, 8), (5, 100, 11, 9)`,
	} {
		if _, err := d.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	members := func() string {
		t.Helper()
		rows, err := d.Query(ctx, `SELECT tag_id, person_id, created_at FROM tag_members WHERE account_id = 5 ORDER BY tag_id, person_id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out string
		for rows.Next() {
			var tag, person, at int64
			if err := rows.Scan(&tag, &person, &at); err != nil {
				t.Fatal(err)
			}
			out += fmt.Sprintf(" %d:%d@%d", tag, person, at)
		}
		return out
	}
	if got := members(); got != " 100:11@9 100:12@8 101:12@7" {
		t.Fatalf("memberships after the migration:%s", got)
	}
	if _, err := d.Exec(ctx, `INSERT INTO tag_members (account_id, tag_id, person_id, created_at) VALUES (5, 100, 99, 1)`); err == nil {
		t.Fatal("a membership of nobody was accepted")
	}
	if _, err := d.Exec(ctx, `DELETE FROM tags WHERE account_id = 5 AND id = 101`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `DELETE FROM people WHERE id = 11`); err != nil {
		t.Fatal(err)
	}
	if got := members(); got != " 100:12@8" {
		t.Fatalf("memberships after deleting a tag and a person:%s", got)
	}
	if d.Dialect() == db.SQLite {
		if _, err := d.Exec(ctx, `SELECT rowid FROM tag_members`); err == nil {
			t.Fatal("tag_members still has a rowid")
		}
	}
}

package db_test

import (
	"context"
	"testing"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// Migration 0137 clears the 'en' nobody chose (a row never changed since
// it was created) so that the page follows the browser, and keeps every
// setting that may have been chosen.
func TestPeopleLanguageMigrationClearsOnlyTheUnchosenDefault(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Empty(t)
	dbtest.MigrateBelow(t, d, 137)
	rows := []struct {
		id               int64
		lang             string
		created, updated int64
		want             string
	}{
		{1, "en", 10, 10, ""},         // the default, never changed
		{2, "en", 10, 20, "en"},       // changed since: may have been chosen
		{3, "zh_CN", 10, 10, "zh_CN"}, // not the default
		{4, "zh_TW", 10, 30, "zh_TW"},
	}
	for _, r := range rows {
		if _, err := d.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, language, created_at, updated_at) VALUES (?, ?, 'P', 'x', ?, ?, ?)`,
			r.id, "p"+string(rune('0'+r.id)), r.lang, r.created, r.updated); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	for _, r := range rows {
		var got string
		if err := db.Get(d.QueryRow(ctx, `SELECT language FROM people WHERE id = ?`, r.id), &got); err != nil || got != r.want {
			t.Errorf("person %d (%q, created %d, updated %d): %q, want %q (%v)", r.id, r.lang, r.created, r.updated, got, r.want, err)
		}
	}
}

// Migration 0138 makes "no setting" the default of people.language on both
// engines: a row inserted without the column (an imported visitor) follows
// the browser, on the connection that migrated and on another node's, and
// the people and the rows that refer to them are as they were.
func TestPeopleLanguageDefaultIsNoSetting(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Empty(t)
	dbtest.MigrateBelow(t, d, 138)
	other := dbtest.Reopen(t, d)
	insert := func(h *db.DB, id int64) {
		t.Helper()
		if _, err := h.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, ?, 'P', 'x', 1, 1)`,
			id, "p"+string(rune('0'+id))); err != nil {
			t.Fatal(err)
		}
	}
	language := func(id int64) string {
		t.Helper()
		var got string
		if err := db.Get(d.QueryRow(ctx, `SELECT language FROM people WHERE id = ?`, id), &got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	insert(other, 1) // before: the old default, on a connection that read the old schema
	if _, err := d.Exec(ctx, `UPDATE people SET language = 'zh_CN' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO sessions (token_hash, person_id, created_at, expires_at, last_seen_at) VALUES ('t', 1, 1, 2, 1)`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	insert(d, 2)
	insert(other, 3)
	for id, want := range map[int64]string{1: "zh_CN", 2: "", 3: ""} {
		if got := language(id); got != want {
			t.Errorf("person %d: language %q, want %q", id, got, want)
		}
	}
	var sessions int
	if err := db.Get(d.QueryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE person_id = 1`), &sessions); err != nil || sessions != 1 {
		t.Errorf("the person's session: %d rows (%v)", sessions, err)
	}
	if d.Dialect() == db.SQLite {
		var check string
		if err := db.Get(d.QueryRow(ctx, `PRAGMA integrity_check`), &check); err != nil || check != "ok" {
			t.Errorf("integrity_check: %q (%v)", check, err)
		}
	}
}

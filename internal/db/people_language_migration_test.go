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

package db_test

import (
	"context"
	"testing"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// Migration 0078 gives every existing publication a msg_data_id and every
// job a publish_id / msg_id from the counters, below 2^53 and unique, and
// the counters (the template msgid's too) go on after them.
func TestPublicNumbersMigrationNumbersExistingRows(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Empty(t)
	dbtest.MigrateBelow(t, d, 78)
	for _, q := range []string{
		`INSERT INTO accounts (id, type, region, name, name_key, status, created_at, updated_at) VALUES (5, 'service', 'domestic', 'Tea House', 'tea house', 'active', 1, 1)`,
		`INSERT INTO publications (id, account_id, kind, state, title, created_at, updated_at) VALUES (386323420502904832, 5, 'news', 'published', 'Tea', 1, 1)`,
		`INSERT INTO publications (id, account_id, kind, state, title, created_at, updated_at) VALUES (386323420502904999, 5, 'news', 'draft', 'Oolong', 1, 1)`,
		`INSERT INTO publish_jobs (id, account_id, publication_id, mode, target, state, run_at, created_at) VALUES (386323709346263040, 5, 386323420502904832, 'mass', 'all', 'done', 1, 1)`,
		`UPDATE template_msgid SET next_msgid = 200000041`,
	} {
		if _, err := d.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	var first, second, job int64
	if err := db.Get(d.QueryRow(ctx, `SELECT msg_data_id FROM publications WHERE id = 386323420502904832`), &first); err != nil || first != 2247483648 {
		t.Fatalf("first publication's msg_data_id %d, %v", first, err)
	}
	if err := db.Get(d.QueryRow(ctx, `SELECT msg_data_id FROM publications WHERE id = 386323420502904999`), &second); err != nil || second != 2247483649 {
		t.Fatalf("second publication's msg_data_id %d, %v", second, err)
	}
	if err := db.Get(d.QueryRow(ctx, `SELECT api_id FROM publish_jobs WHERE id = 386323709346263040`), &job); err != nil || job != 1000000001 {
		t.Fatalf("job's api_id %d, %v", job, err)
	}
	next := map[string]int64{}
	for _, name := range []string{"msg_data_id", "publish_job", "template_msgid", "mass_preview"} {
		err := d.Tx(ctx, func(tx *db.Tx) (err error) {
			next[name], err = db.NextNumber(ctx, tx, name)
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if next["msg_data_id"] != 2247483650 || next["publish_job"] != 1000000002 || next["template_msgid"] != 200000042 || next["mass_preview"] != 3000000001 {
		t.Fatalf("counters after the migration: %v", next)
	}
	if _, err := d.Exec(ctx, `UPDATE publications SET msg_data_id = ? WHERE id = 386323420502904999`, first); err == nil {
		t.Fatal("two publications took one msg_data_id: no unique index")
	}
}

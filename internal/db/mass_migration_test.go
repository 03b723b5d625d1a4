package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// Migration 0074 rebuilds publish_jobs on SQLite (publication_id becomes
// nullable, target may be 'openids'). A database that already has jobs and
// lanes keeps every row and every lane through it.
func TestMassAPIMigrationKeepsJobsAndLanes(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	dbtest.MigrateBelow(t, d, 74)
	now := time.Now().UnixMicro()
	for _, q := range []string{
		`INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (1, 'owner', 'Owner', 'x', 1, 1)`,
		`INSERT INTO accounts (id, type, region, name, name_key, status, created_at, updated_at) VALUES (5, 'service', 'domestic', 'Tea House', 'tea house', 'active', 1, 1)`,
		`INSERT INTO publications (id, account_id, kind, state, title, created_at, updated_at) VALUES (10, 5, 'news', 'published', 'Tea', 1, 1)`,
	} {
		if _, err := d.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := d.Exec(ctx, `INSERT INTO publish_jobs (id, account_id, publication_id, mode, target, state, run_at, sent_count, created_at)
		VALUES (20, 5, 10, 'mass', 'all', 'running', ?, 7, ?)`, now, now); err != nil {
		t.Fatal(err)
	}
	for lane := range 2 {
		if _, err := d.Exec(ctx, `INSERT INTO publish_job_lanes (job_id, lane, lanes, cursor_id, batches) VALUES (20, ?, 2, ?, 3)`, lane, 100+lane); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	var sent, lanes, cursors int64
	var source string
	if err := db.Get(d.QueryRow(ctx, `SELECT sent_count, source FROM publish_jobs WHERE id = 20 AND publication_id = 10`), &sent, &source); err != nil || sent != 7 || source != "console" {
		t.Fatalf("job after migration: sent %d, source %q, %v", sent, source, err)
	}
	if err := db.Get(d.QueryRow(ctx, `SELECT COUNT(*), SUM(cursor_id) FROM publish_job_lanes WHERE job_id = 20`), &lanes, &cursors); err != nil || lanes != 2 || cursors != 201 {
		t.Fatalf("lanes after migration: %d lanes, cursors %d, %v", lanes, cursors, err)
	}
	// The rebuilt table keeps its foreign keys: lanes still cascade, and a
	// job without a publication is allowed.
	if _, err := d.Exec(ctx, `INSERT INTO publish_jobs (id, account_id, mode, target, state, run_at, created_at, source, msgtype) VALUES (21, 5, 'mass', 'openids', 'queued', 1, 1, 'api', 'text')`); err != nil {
		t.Fatalf("job without a publication: %v", err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO publish_job_lanes (job_id, lane, lanes) VALUES (999, 0, 1)`); err == nil {
		t.Fatal("a lane of a missing job was accepted: the foreign key was lost")
	}
	if _, err := d.Exec(ctx, `DELETE FROM publish_jobs WHERE id = 20`); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(d.QueryRow(ctx, `SELECT COUNT(*) FROM publish_job_lanes WHERE job_id = 20`), &lanes); err != nil || lanes != 0 {
		t.Fatalf("lanes of a deleted job: %d, %v", lanes, err)
	}
}

package db_test

import (
	"context"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// A prepared read keeps its plan whatever values are bound, even once
// ANALYZE has sampled the index it compares with a ?: otherwise SQLite
// (built with STAT4) plans the statement again for each new value and the
// statement cache parses every run. Seen here as the query plan of one
// query text, run through the statement cache with a rare and a common
// value: without the planner's stability guarantee the rare value picks
// one index and the common value the other.
func TestPlanDoesNotFollowBoundValues(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, q := range []string{
		`CREATE TABLE skew (id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b INTEGER NOT NULL)`,
		`CREATE INDEX skew_a ON skew (a)`,
		`CREATE INDEX skew_b ON skew (b)`,
		// a is 1 on all rows but ten; b takes 100 values, 50 rows each.
		`WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 5000)
			INSERT INTO skew (id, a, b) SELECT n, CASE WHEN n % 500 = 0 THEN n ELSE 1 END, n % 100 FROM s`,
		`ANALYZE`,
	} {
		if _, err := d.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	plan := func(a int) string {
		return strings.Join(dbtest.Plan(t, d, `SELECT id FROM skew WHERE a = ? AND b = ?`, a, 7), "; ")
	}
	rare, common := plan(500), plan(1)
	if rare != common {
		t.Errorf("the plan changed with the bound value: %q for a rare one, %q for a common one", rare, common)
	}
}

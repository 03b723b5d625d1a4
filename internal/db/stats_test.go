package db_test

import (
	"context"
	"slices"
	"testing"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// poolStats returns the statistics of the pool named name.
func poolStats(t *testing.T, d *db.DB, name string) db.PoolStats {
	t.Helper()
	for _, s := range d.Stats() {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no pool %q in %v", name, d.Stats())
	return db.PoolStats{}
}

// Each pool a node reads and writes through is in the statistics (and so
// in the metrics): on SQLite in a file the point readers too, with the
// connections user/info's reads opened.
func TestPoolStatsNameEveryPool(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	var names []string
	for _, s := range d.Stats() {
		names = append(names, s.Name)
	}
	want := []string{"writer", "reader", "point"}
	if d.Dialect() == db.Postgres {
		want = []string{"writer"}
	}
	if !slices.Equal(names, want) {
		t.Fatalf("pools %v, want %v", names, want)
	}
	rows, err := d.PointQuery(ctx, "SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	if d.Dialect() == db.SQLite {
		if s := poolStats(t, d, "point"); s.OpenConnections < 1 || s.InUse < 1 {
			t.Errorf("a point read under way, but the point pool has %d open, %d in use", s.OpenConnections, s.InUse)
		}
	}
	rows.Close()

	m, err := db.OpenMemory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	names = names[:0]
	for _, s := range m.Stats() {
		names = append(names, s.Name)
	}
	if want := []string{"writer", "reader"}; !slices.Equal(names, want) {
		t.Fatalf("in memory: pools %v, want %v", names, want)
	}
}

//go:build !emulator

package app

import (
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// The pool metrics name every pool the node uses, and give the reads
// that waited in SQLite's arrival-order queues.
func TestDBMetricsEveryPool(t *testing.T) {
	d := dbtest.New(t)
	reg := prometheus.NewRegistry()
	reg.MustRegister(newDBCollector(d))
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	pools := map[string][]string{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "pool" {
					pools[f.GetName()] = append(pools[f.GetName()], l.GetValue())
				}
			}
		}
	}
	want := []string{"point", "reader", "writer"} // as Gather sorts them
	if d.Dialect() == db.Postgres {
		want = []string{"writer"}
	}
	for _, name := range []string{"herald_db_open_connections", "herald_db_wait_count_total", "herald_db_queued_total", "herald_db_queued_seconds_total"} {
		if slices.Sort(pools[name]); !slices.Equal(pools[name], want) {
			t.Errorf("%s: pools %v, want %v", name, pools[name], want)
		}
	}
}

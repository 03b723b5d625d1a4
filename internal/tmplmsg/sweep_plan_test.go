package tmplmsg

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// The sweep, every 30 seconds, reads only the sends in flight: on SQLite
// its plan walks template_sends_sending rather than every send ever made
// (about 25 ms a sweep at 100,000 sends, growing with the table, before
// that index).
func TestSweepReadsOnlySendsInFlight(t *testing.T) {
	d := dbtest.New(t)
	if d.Dialect() != db.SQLite {
		t.Skip("a plan assertion for SQLite; PostgreSQL plans by its statistics")
	}
	rows, err := d.Query(context.Background(), `EXPLAIN QUERY PLAN `+stuckSendsSQL+` ORDER BY id LIMIT 500`, int64(0))
	details, err := db.Collect(rows, err, func(r *sql.Rows) (string, error) {
		var id, parent, unused int
		var detail string
		return detail, r.Scan(&id, &parent, &unused, &detail)
	})
	if err != nil {
		t.Fatal(err)
	}
	if plan := strings.Join(details, "; "); !strings.Contains(plan, "template_sends_sending") {
		t.Errorf("the sweep does not read through template_sends_sending: %s", plan)
	}
}

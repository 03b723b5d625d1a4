package tmplmsg

import (
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
	if plan := strings.Join(dbtest.Plan(t, d, stuckSendsSQL+` ORDER BY id LIMIT 500`, int64(0)), "; "); !strings.Contains(plan, "template_sends_sending") {
		t.Errorf("the sweep does not read through template_sends_sending: %s", plan)
	}
}

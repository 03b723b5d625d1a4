package portability_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/portability"
)

// followerOpenIDs is the openids of the account's followers, in the order
// of its CSV export; the test stops when it has fewer than atLeast.
func followerOpenIDs(t *testing.T, d *db.DB, accountID int64, atLeast int) []string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := portability.ExportFollowerCSV(context.Background(), d, accountID, &buf); err != nil {
		t.Fatal(err)
	}
	recs, _ := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	if len(recs)-1 < atLeast {
		t.Fatalf("the demo account has %d followers", len(recs)-1)
	}
	ids := make([]string, 0, len(recs)-1)
	for _, r := range recs[1:] {
		ids = append(ids, r[0])
	}
	return ids
}

// addTag makes the account's tag id named name, with no members.
func addTag(t *testing.T, d *db.DB, accountID, id int64, name string) {
	t.Helper()
	if _, err := d.Exec(context.Background(), `INSERT INTO tags (account_id, id, name, name_key, follower_count, created_at) VALUES (?, ?, ?, ?, 0, 1)`,
		accountID, id, name, strings.ToLower(name)); err != nil {
		t.Fatal(err)
	}
}

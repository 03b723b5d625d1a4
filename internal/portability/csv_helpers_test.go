package portability_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/id"
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

// csvFuzzAccount makes a database holding one account with three followers
// o1, o2 and o3 (o3 no longer following) and the tags Gold, Silver and
// "Full 01" to "Full 20": o2 is in Gold, o3 in the twenty Full tags, the
// most a follower may have. Both are dropped when tb ends.
func csvFuzzAccount(tb testing.TB) (*db.DB, int64) {
	tb.Helper()
	ctx := context.Background()
	d := dbtest.New(tb)
	people := id.NewBlock(4)
	if _, err := d.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, 'owner', 'Owner', '!', 1, 1)`, people); err != nil {
		tb.Fatal(err)
	}
	a, err := account.NewStore(d, clock.Real{}).Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour",
		Status: account.StatusActive, OwnerID: people})
	if err != nil {
		tb.Fatal(err)
	}
	type stmt struct {
		q    string
		args []any
	}
	stmts := []stmt{
		{`INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, 'm1', 'One', '!', 1, 1), (?, 'm2', 'Two', '!', 1, 1), (?, 'm3', 'Three', '!', 1, 1)`,
			[]any{people + 1, people + 2, people + 3}},
		{`INSERT INTO follows (account_id, person_id, openid, following, source, subscribed_at, created_at) VALUES (?, ?, 'o1', TRUE, 'search', 1, 1), (?, ?, 'o2', TRUE, 'qr', 1, 1), (?, ?, 'o3', FALSE, 'other', 1, 1)`,
			[]any{a.ID, people + 1, a.ID, people + 2, a.ID, people + 3}},
		{`UPDATE accounts SET follower_count = 2 WHERE id = ?`, []any{a.ID}},
		{`INSERT INTO tags (account_id, id, name, name_key, follower_count, created_at) VALUES (?, 100, 'Gold', 'gold', 1, 1), (?, 101, 'Silver', 'silver', 0, 1)`, []any{a.ID, a.ID}},
		{`INSERT INTO tag_members (account_id, tag_id, person_id, created_at) VALUES (?, 100, ?, 1)`, []any{a.ID, people + 2}},
	}
	for i := 1; i <= 20; i++ {
		stmts = append(stmts,
			stmt{`INSERT INTO tags (account_id, id, name, name_key, follower_count, created_at) VALUES (?, ?, ?, ?, 1, 1)`,
				[]any{a.ID, 200 + i, fmt.Sprintf("Full %02d", i), fmt.Sprintf("full %02d", i)}},
			stmt{`INSERT INTO tag_members (account_id, tag_id, person_id, created_at) VALUES (?, ?, ?, 1)`, []any{a.ID, 200 + i, people + 3}})
	}
	for _, s := range stmts {
		if _, err := d.Exec(ctx, s.q, s.args...); err != nil {
			tb.Fatalf("%s: %v", s.q, err)
		}
	}
	return d, a.ID
}

// csvFuzzState is what a follower import may change, as text: each
// follower's remark and blacklist flag, each tag's members and count.
func csvFuzzState(tb testing.TB, d *db.DB) string {
	tb.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, q := range []string{
		`SELECT openid || ' ' || remark || ' ' || CASE WHEN blocked THEN 'blocked' ELSE '-' END FROM follows ORDER BY openid`,
		`SELECT t.name || ' ' || CAST(t.follower_count AS TEXT) || ' ' || CAST(COUNT(m.person_id) AS TEXT) FROM tags t LEFT JOIN tag_members m ON m.account_id = t.account_id AND m.tag_id = t.id GROUP BY t.account_id, t.id, t.name, t.follower_count ORDER BY t.id`,
	} {
		rows, err := d.Query(ctx, q)
		if err != nil {
			tb.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				tb.Fatal(err)
			}
			b.WriteString(s + "\n")
		}
		if err := rows.Err(); err != nil {
			tb.Fatal(err)
		}
		rows.Close()
	}
	return b.String()
}

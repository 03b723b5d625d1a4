package portability_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/portability"
)

// TestFollowerCSVRemarksStayInTheirPages: on PostgreSQL an import that sets
// the remark of every follower of an account (30 characters over an empty
// remark, WeChat-length openids) writes each new row version into the page
// of the old one, so none of follows' indexes is touched (a heap-only
// update). follows' fill factor leaves the room for that: the old versions
// cannot be pruned before the import's transaction ends.
func TestFollowerCSVRemarksStayInTheirPages(t *testing.T) {
	t.Parallel()
	if !dbtest.Postgres() {
		t.Skip("PostgreSQL's page fill; SQLite has none")
	}
	ctx := context.Background()
	d := dbtest.New(t)
	owner := id.New()
	if _, err := d.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, 'owner', 'Owner', '!', 1, 1)`, owner); err != nil {
		t.Fatal(err)
	}
	a, err := account.NewStore(d, clock.Real{}).Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour",
		Status: account.StatusActive, OwnerID: owner})
	if err != nil {
		t.Fatal(err)
	}
	const n = 2000
	first := id.NewBlock(n)
	openid := func(i int) string { return fmt.Sprintf("oHarbour%020d", i) } // 28 characters, as WeChat's
	i := 0
	if _, err := d.CopyIn(ctx, "people", []string{"id", "username", "display_name", "password_hash", "created_at", "updated_at"}, func() ([]any, error) {
		if i == n {
			return nil, nil
		}
		i++
		return []any{first + int64(i-1), fmt.Sprintf("m%d", i), "Member", "!", int64(1), int64(1)}, nil
	}); err != nil {
		t.Fatal(err)
	}
	i = 0
	if _, err := d.CopyIn(ctx, "follows", []string{"account_id", "person_id", "openid", "following", "source", "subscribed_at", "created_at"}, func() ([]any, error) {
		if i == n {
			return nil, nil
		}
		i++
		return []any{a.ID, first + int64(i-1), openid(i), true, "search", int64(1), int64(1)}, nil
	}); err != nil {
		t.Fatal(err)
	}
	pages := func() map[string]int64 {
		rows, err := d.Query(ctx, `SELECT openid, (ctid::text::point)[0]::bigint FROM follows WHERE account_id = ?`, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]int64{}
		for rows.Next() {
			var o string
			var page int64
			if err := rows.Scan(&o, &page); err != nil {
				t.Fatal(err)
			}
			out[o] = page
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	before := pages()
	var file strings.Builder
	file.WriteString("openid,remark\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&file, "%s,Member %07d of harbour club\n", openid(i), i) // 30 characters
	}
	rep, err := portability.ImportFollowerCSV(ctx, d, a.ID, strings.NewReader(file.String()), false)
	if err != nil || !rep.OK() || rep.Updated != n {
		t.Fatalf("import: %+v %v", rep, err)
	}
	var moved int
	for o, page := range pages() {
		if page != before[o] {
			moved++
		}
	}
	if moved > 0 {
		t.Fatalf("%d of %d follows moved to another page (a full update, every index written)", moved, n)
	}
	var remark string
	if err := d.QueryRow(ctx, `SELECT remark FROM follows WHERE openid = ?`, openid(n)).Scan(&remark); err != nil || remark != fmt.Sprintf("Member %07d of harbour club", n) {
		t.Fatalf("remark %q %v", remark, err)
	}
}

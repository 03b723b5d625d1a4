package portability_test

import (
	"context"
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

// csvTwoTagAccount makes, in d, an account with n followers o01, o02, …
// and the tags Gold and Silver (so at most 20: no follower can pass the
// limit, and SQLite tags the lines as it reads them).
func csvTwoTagAccount(tb testing.TB, d *db.DB, n int) int64 {
	tb.Helper()
	ctx := context.Background()
	people := id.NewBlock(int64(n + 1))
	if _, err := d.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, 'owner', 'Owner', '!', 1, 1)`, people); err != nil {
		tb.Fatal(err)
	}
	a, err := account.NewStore(d, clock.Real{}).Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Quay",
		Status: account.StatusActive, OwnerID: people})
	if err != nil {
		tb.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if _, err := d.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, ?, 'M', '!', 1, 1)`,
			people+int64(i), fmt.Sprintf("m%02d", i)); err != nil {
			tb.Fatal(err)
		}
		if _, err := d.Exec(ctx, `INSERT INTO follows (account_id, person_id, openid, following, source, subscribed_at, created_at) VALUES (?, ?, ?, TRUE, 'search', 1, 1)`,
			a.ID, people+int64(i), fmt.Sprintf("o%02d", i)); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := d.Exec(ctx, `UPDATE accounts SET follower_count = ? WHERE id = ?`, n, a.ID); err != nil {
		tb.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO tags (account_id, id, name, name_key, follower_count, created_at) VALUES (?, 100, 'Gold', 'gold', 0, 1), (?, 101, 'Silver', 'silver', 0, 1)`, a.ID, a.ID); err != nil {
		tb.Fatal(err)
	}
	return a.ID
}

// A file whose fault comes after many statements' worth of good lines
// (SQLite writes those while it reads the rest) is refused whole, with the
// same report as its dry run, on SQLite in a file (looked up on a reader
// while the writer writes), in memory (looked up on the writer) and on
// PostgreSQL; the same lines without the fault are all written.
func TestFollowerCSVFaultAfterWrites(t *testing.T) {
	defer portability.SetCSVBatchRows(2)()
	ctx := context.Background()
	mem, err := db.OpenMemory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	if _, err := mem.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		d    *db.DB
	}{{"dbtest", dbtest.New(t)}, {"memory", mem}} {
		t.Run(c.name, func(t *testing.T) {
			d := c.d
			accountID := csvTwoTagAccount(t, d, 12)
			var good strings.Builder
			good.WriteString("openid,remark,blacklisted,tags\n")
			for i := 1; i <= 10; i++ {
				fmt.Fprintf(&good, "o%02d,Late %d,%v,%s\n", i, i, i%4 == 0, []string{"Gold", "Silver;gold", ""}[i%3])
			}
			before := csvFuzzState(t, d)
			for _, f := range []struct {
				file  string
				lines []int64
				msgs  []string
			}{
				{good.String() + "o-nobody,Stranger,false,Gold\no11,Eleven,false,Silver\n", []int64{12}, []string{`openid "o-nobody" is not a follower of this account`}},
				{good.String() + "o11,Eleven,maybe,Gold\no12,Twelve,false,Bronze\n", []int64{12, 13}, []string{`blacklisted must be true or false, not "maybe"`, `no tag named "Bronze" (create it first)`}},
				{good.String() + "o11,Eleven,false,Silver\no03,Again,false,Silver\n", []int64{13}, []string{`openid "o03" appears on line 4 too`}},
			} {
				var reports []string
				for _, dry := range []bool{true, false} {
					rep, err := portability.ImportFollowerCSV(ctx, d, accountID, strings.NewReader(f.file), dry)
					if err != nil || rep.OK() || rep.Updated != 0 || rep.TagsAdded != 0 || int(rep.ErrorsTotal) != len(f.lines) {
						t.Fatalf("dry run %v: %+v %v", dry, rep, err)
					}
					for i, e := range rep.Errors {
						if e.Line != f.lines[i] || e.Msg != f.msgs[i] {
							t.Fatalf("dry run %v: fault %d is line %d %q, want line %d %q", dry, i, e.Line, e.Msg, f.lines[i], f.msgs[i])
						}
					}
					reports = append(reports, fmt.Sprint(rep.Errors))
					if after := csvFuzzState(t, d); after != before {
						t.Fatalf("a refused file (dry run %v) changed followers:\n%s\nwas\n%s", dry, after, before)
					}
				}
				if reports[0] != reports[1] {
					t.Fatalf("the dry run reported %s, the import %s", reports[0], reports[1])
				}
			}
			rep, err := portability.ImportFollowerCSV(ctx, d, accountID, strings.NewReader(good.String()), false)
			// Silver and Gold on the four lines i%3 == 1, Gold on the three i%3 == 0.
			if err != nil || !rep.OK() || rep.Updated != 10 || rep.TagsAdded != 11 {
				t.Fatalf("good file: %+v %v", rep, err)
			}
			var n, gold, silver int
			d.QueryRow(ctx, `SELECT COUNT(*) FROM follows WHERE account_id = ? AND remark LIKE 'Late %' AND blocked = (CAST(SUBSTR(remark, 6) AS INTEGER) % 4 = 0)`, accountID).Scan(&n)
			d.QueryRow(ctx, `SELECT follower_count FROM tags WHERE account_id = ? AND id = 100`, accountID).Scan(&gold)
			d.QueryRow(ctx, `SELECT follower_count FROM tags WHERE account_id = ? AND id = 101`, accountID).Scan(&silver)
			if n != 10 || gold != 7 || silver != 4 {
				t.Fatalf("%d of 10 remarks and flags set; Gold counts %d (want 7), Silver %d (want 4)", n, gold, silver)
			}
		})
	}
}

package audience

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// Both statements of the console's follower list filtered by a tag list
// the same followers, page after page: the tag's members who follow (or,
// for the blacklist, who are blocked), matching the search, newest first
// with ties by person id, none of another account's, each once.
func TestFollowersStatementsAgree(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	exec := dbtest.Exec(t, d)
	for _, a := range []int64{1, 2} {
		exec(`INSERT INTO accounts (id, type, region, name, name_key, status, created_at, updated_at) VALUES (?, 'service', 'domestic', ?, ?, 'active', 0, 0)`,
			a, fmt.Sprint("A", a), fmt.Sprint("a", a))
		for _, tag := range []int64{100, 101, 102} {
			exec(`INSERT INTO tags (account_id, id, name, name_key, created_at) VALUES (?, ?, ?, ?, 0)`, a, tag, fmt.Sprint("T", tag), fmt.Sprint("t", tag))
		}
	}
	type row struct {
		person             int64
		subscribed         int64
		following, blocked bool
		name               string
		tags               []int64
	}
	var rows1 []row // account 1's followers
	for i := int64(1); i <= 60; i++ {
		name := fmt.Sprintf("P%d", i)
		if i%4 == 0 {
			name = fmt.Sprintf("Mei %d", i)
		}
		exec(`INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, ?, ?, 'x', 0, 0)`, i, fmt.Sprint("p", i), name)
		// subscribed_at in an order unlike the people's, with ties
		r := row{person: i, subscribed: (i * 37) % 23, following: i%7 != 0, blocked: i%5 == 0, name: name}
		for _, a := range []int64{1, 2} {
			exec(`INSERT INTO follows (account_id, person_id, openid, following, blocked, subscribed_at, created_at) VALUES (?, ?, ?, ?, ?, ?, 0)`,
				a, i, fmt.Sprintf("o%d-%d", a, i), r.following, r.blocked, r.subscribed)
			tags := []int64{}
			if i%3 == 0 || a == 2 {
				tags = append(tags, 100)
			}
			if i == 5 || i == 10 || a == 2 {
				tags = append(tags, 101)
			}
			for _, tag := range tags {
				exec(`INSERT INTO tag_members (account_id, tag_id, person_id, created_at) VALUES (?, ?, ?, 0)`, a, tag, i)
			}
			if a == 1 {
				r.tags = tags
			}
		}
		rows1 = append(rows1, r)
	}
	slices.SortFunc(rows1, func(x, y row) int {
		if x.subscribed != y.subscribed {
			return int(y.subscribed - x.subscribed)
		}
		return int(y.person - x.person)
	})
	// The tag's members first is SQLite's text (CROSS JOIN … ON, unary +).
	statements := []bool{false}
	if d.Dialect() == db.SQLite {
		statements = append(statements, true)
	}
	for _, tag := range []int64{100, 101, 102} {
		for _, blocked := range []bool{false, true} {
			for _, search := range []string{"", "mei"} {
				var want []int64
				for _, r := range rows1 {
					if slices.Contains(r.tags, tag) && (blocked && r.blocked || !blocked && r.following) &&
						(search == "" || strings.Contains(strings.ToLower(r.name), search)) {
						want = append(want, r.person)
					}
				}
				for _, byTag := range statements {
					list := func(q Query) []*Follower {
						query, args := followersSQL(d.Dialect(), 1, q, byTag)
						rs, err := d.Query(ctx, query, args...)
						page, err := db.Collect(rs, err, func(r *sql.Rows) (*Follower, error) { return scanFollower(r) })
						if err != nil {
							t.Fatal(err)
						}
						return page
					}
					// Forward from the top, each page after the last one's
					// last follower; then back from past the end, each page
					// before the last one's newest (the statement reads a
					// Before page oldest first; Followers turns it round).
					var got, back []int64
					q := Query{TagID: tag, Blocked: blocked, Search: search, Limit: 4}
					for page := list(q); len(page) > 0; page = list(q) {
						for _, f := range page {
							got = append(got, f.PersonID)
						}
						c := page[len(page)-1].Cursor()
						q.After = &c
						if len(got) > 60 {
							t.Fatalf("%+v: more followers than there are: %v", q, got)
						}
					}
					q.Before, q.After = &Cursor{SubscribedAt: -1}, nil // older than any
					for page := list(q); len(page) > 0; page = list(q) {
						for _, f := range page {
							back = append(back, f.PersonID)
						}
						c := page[len(page)-1].Cursor()
						q.Before = &c
						if len(back) > 60 {
							t.Fatalf("%+v: more followers than there are: %v", q, back)
						}
					}
					slices.Reverse(back)
					if !slices.Equal(got, want) || !slices.Equal(back, want) {
						t.Errorf("tag %d, blacklist %v, search %q, by tag %v: forward %v, back %v, want %v", tag, blocked, search, byTag, got, back, want)
					}
				}
			}
		}
	}
}

// On SQLite a small tag of a large account is listed from the tag's
// members: its plan starts at tag_members and finds each follower by the
// primary key, rather than walking every follower of the account newest
// first (about 0.2 s for a tag of 10 among 100,000 followers). A tag of
// most of the account keeps the walk, which stops when a page is full.
func TestFollowersSmallTagStartsFromTheTag(t *testing.T) {
	d := dbtest.New(t)
	if d.Dialect() != db.SQLite {
		t.Skip("a plan assertion for SQLite; PostgreSQL plans by its statistics")
	}
	page := Query{TagID: 100, Limit: 51}
	if followersByTag(db.SQLite, 90_000, 100_000, page) {
		t.Error("a tag of most of the account is sorted whole for each page")
	}
	if followersByTag(db.Postgres, 10, 100_000, page) {
		t.Error("PostgreSQL is told its plan")
	}
	for _, q := range []Query{page, {TagID: 100, Blocked: true, Search: "mei", After: &Cursor{SubscribedAt: 1_700_000_000_000_000, PersonID: 7}, Limit: 51}} {
		query, args := followersSQL(db.SQLite, 1, q, followersByTag(db.SQLite, 10, 100_000, q))
		plan := strings.Join(dbtest.Plan(t, d, query, args...), "; ")
		if !strings.HasPrefix(plan, "SEARCH m ") || strings.Contains(plan, "follows_account_newest") {
			t.Errorf("a tag of 10 among 100,000 followers (%+v) is not read from its members: %s", q, plan)
		}
	}
}

// A deep page of the list (the all-followers list, a search, the
// blacklist) starts where the last one ended: the plan seeks to the page's
// place in the index that holds the list's order and reads on from there,
// never the rows before it, and sorts nothing.
func TestFollowersDeepPageSeeksItsPlace(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	const n = 3000
	err := d.Tx(ctx, func(tx *db.Tx) error {
		for a := int64(1); a <= 2; a++ {
			if _, err := tx.Exec(ctx, `INSERT INTO accounts (id, type, region, name, name_key, status, created_at, updated_at) VALUES (?, 'service', 'domestic', ?, ?, 'active', 0, 0)`,
				a, fmt.Sprint("A", a), fmt.Sprint("a", a)); err != nil {
				return err
			}
		}
		for i := int64(1); i <= n; i++ {
			if _, err := tx.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, ?, ?, 'x', 0, 0)`,
				i, fmt.Sprint("p", i), fmt.Sprint("P", i)); err != nil {
				return err
			}
			for a := int64(1); a <= 2; a++ {
				if _, err := tx.Exec(ctx, `INSERT INTO follows (account_id, person_id, openid, following, blocked, subscribed_at, created_at) VALUES (?, ?, ?, TRUE, ?, ?, 0)`,
					a, i, fmt.Sprintf("o%d-%d", a, i), i%50 == 0, 1_700_000_000_000_000+i); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if d.Dialect() == db.Postgres {
		if _, err := d.Exec(ctx, `ANALYZE`); err != nil {
			t.Fatal(err)
		}
	}
	// The page after the 2,700th newest follower, and the one before it.
	place := &Cursor{SubscribedAt: 1_700_000_000_000_300, PersonID: 300}
	for _, tc := range []struct {
		q     Query
		index string
	}{
		{Query{After: place, Limit: 51}, "follows_account_newest"},
		{Query{Before: place, Limit: 51}, "follows_account_newest"},
		{Query{Search: "p", After: place, Limit: 51}, "follows_account_newest"},
		{Query{Blocked: true, After: place, Limit: 51}, "follows_blacklist_newest"},
	} {
		query, args := followersSQL(d.Dialect(), 1, tc.q, false)
		plan := strings.Join(dbtest.Plan(t, d, query, args...), "\n")
		op := "<"
		if tc.q.Before != nil {
			op = ">"
		}
		var seeks bool
		if d.Dialect() == db.SQLite {
			seeks = strings.Contains(plan, "SEARCH f USING INDEX "+tc.index+" (") &&
				strings.Contains(plan, "(subscribed_at,person_id)"+op+"(?,?))") && !strings.Contains(plan, "TEMP B-TREE")
		} else {
			seeks = strings.Contains(plan, "Index Scan") && strings.Contains(plan, "using "+tc.index+" on follows f") &&
				strings.Contains(plan, "ROW(subscribed_at, person_id) "+op+" ROW(") && !strings.Contains(plan, "Sort")
		}
		if !seeks {
			t.Errorf("%+v does not seek to its place in %s:\n%s", tc.q, tc.index, plan)
		}
	}
}

// BenchmarkFollowersDeepPage reads the page of 50 (and the one more that
// tells whether there is another) 90,000 followers down an account of
// 100,000, and the page 900 down its blacklist of 1,000: "offset" is the
// statement the console ran before it paged by key (the same statement
// with OFFSET instead of the place), "key" the one it runs now. Both list
// the same followers. On PostgreSQL the set-up logs each statement's
// EXPLAIN (ANALYZE, BUFFERS) summary: rows read and buffers touched do not
// depend on the machine's load.
func BenchmarkFollowersDeepPage(b *testing.B) {
	d := dbtest.New(b)
	ctx := context.Background()
	const n = 100_000
	series := `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 100000) `
	from := `s`
	if d.Dialect() == db.Postgres {
		series, from = ``, `generate_series(1, 100000) AS s(i)`
	}
	for _, q := range []string{
		`INSERT INTO accounts (id, type, region, name, name_key, status, created_at, updated_at) VALUES (1, 'service', 'domestic', 'A', 'a', 'active', 0, 0)`,
		series + `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) SELECT i, 'p' || i, 'Fan ' || i, 'x', 0, 0 FROM ` + from,
		series + `INSERT INTO follows (account_id, person_id, openid, following, blocked, subscribed_at, created_at)
			SELECT 1, i, 'o' || i, TRUE, i % 100 = 0, 1700000000000000 + i, 0 FROM ` + from,
	} {
		if _, err := d.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	if d.Dialect() == db.Postgres {
		if _, err := d.Exec(ctx, `ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
	const base = 1_700_000_000_000_000
	cases := []struct {
		name   string
		q      Query
		offset int
		place  Cursor // the follower the page comes after
	}{
		{"all", Query{Limit: 51}, 90_000, Cursor{base + n - 90_000 + 1, n - 90_000 + 1}},
		{"blacklist", Query{Blocked: true, Limit: 51}, 900, Cursor{base + n - 899*100, n - 899*100}},
	}
	for _, c := range cases {
		byOffset, offsetArgs := followersSQL(d.Dialect(), 1, c.q, false)
		byOffset += ` OFFSET ?`
		offsetArgs = append(offsetArgs, c.offset)
		keyed := c.q
		keyed.After = &c.place
		byKey, keyArgs := followersSQL(d.Dialect(), 1, keyed, false)
		page := func(b *testing.B, query string, args []any) []int64 {
			rows, err := d.Query(ctx, query, args...)
			list, err := db.Collect(rows, err, func(r *sql.Rows) (int64, error) {
				f, err := scanFollower(r)
				if err != nil {
					return 0, err
				}
				return f.PersonID, nil
			})
			if err != nil || len(list) != 51 {
				b.Fatalf("%d followers, %v", len(list), err)
			}
			return list
		}
		if a, k := page(b, byOffset, offsetArgs), page(b, byKey, keyArgs); !slices.Equal(a, k) {
			b.Fatalf("%s: by offset %v, by key %v", c.name, a, k)
		}
		for _, s := range []struct {
			name  string
			query string
			args  []any
		}{{"offset", byOffset, offsetArgs}, {"key", byKey, keyArgs}} {
			if d.Dialect() == db.Postgres {
				plan := dbtest.Plan(b, d, "(ANALYZE, BUFFERS) "+s.query, s.args...)
				b.Logf("%s/%s: %s", c.name, s.name, strings.Join(plan, "\n"))
			}
			b.Run(c.name+"/"+s.name, func(b *testing.B) {
				cpu := processCPU()
				for b.Loop() {
					page(b, s.query, s.args)
				}
				b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
			})
		}
	}
	// The blacklist as it was listed before follows_blacklist_newest:
	// every follow of the account read and the blocked ones sorted.
	if _, err := d.Exec(ctx, `DROP INDEX follows_blacklist_newest`); err != nil {
		b.Fatal(err)
	}
	q, args := followersSQL(d.Dialect(), 1, cases[1].q, false)
	q += ` OFFSET ?`
	args = append(args, cases[1].offset)
	if d.Dialect() == db.Postgres {
		b.Logf("blacklist/offset-without-index: %s", strings.Join(dbtest.Plan(b, d, "(ANALYZE, BUFFERS) "+q, args...), "\n"))
	}
	b.Run("blacklist/offset-without-index", func(b *testing.B) {
		cpu := processCPU()
		for b.Loop() {
			rows, err := d.Query(ctx, q, args...)
			if _, err := db.Collect(rows, err, func(r *sql.Rows) (*Follower, error) { return scanFollower(r) }); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
	})
}

// processCPU is the CPU time this process has used (user and system), in
// nanoseconds: on SQLite the statements' whole cost, whatever else the
// machine runs.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

package wxapi

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// Both statements of user/tag/get list the same followers, page after
// page: the tag's members who follow, in openid order, none of another
// account's, each once.
func TestTagUsersStatementsAgree(t *testing.T) {
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
	// want[tag] is account 1's answer: its following members' openids.
	want := map[int64][]string{}
	for i := int64(1); i <= 60; i++ {
		exec(`INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, ?, 'P', 'x', 0, 0)`, i, fmt.Sprint("p", i))
		following := i%7 != 0
		for _, a := range []int64{1, 2} {
			// openids in an order unlike the people's
			openid := fmt.Sprintf("o%d-%03d", a, (i*37)%61)
			exec(`INSERT INTO follows (account_id, person_id, openid, following, created_at) VALUES (?, ?, ?, ?, 0)`, a, i, openid, following)
			tags := []int64{}
			if i%3 == 0 || a == 2 {
				tags = append(tags, 100)
			}
			if i == 5 || a == 2 {
				tags = append(tags, 101)
			}
			for _, tag := range tags {
				exec(`INSERT INTO tag_members (account_id, tag_id, person_id, created_at) VALUES (?, ?, ?, 0)`, a, tag, i)
				if a == 1 && following {
					want[tag] = append(want[tag], openid)
				}
			}
		}
	}
	for _, w := range want {
		slices.Sort(w)
	}
	statements := map[string]string{"by openid": tagUsersByOpenID}
	if d.Dialect() == db.SQLite {
		statements["by tag"] = tagUsersByTag
	}
	for name, q := range statements {
		for _, tag := range []int64{100, 101, 102} {
			var got []string
			for next := ""; ; {
				rows, err := d.Query(ctx, q, int64(1), tag, next, 4)
				page, err := db.Collect(rows, err, func(r *sql.Rows) (string, error) {
					var s string
					return s, r.Scan(&s)
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(page) == 0 {
					break
				}
				got = append(got, page...)
				next = page[len(page)-1]
			}
			if !slices.Equal(got, want[tag]) {
				t.Errorf("%s, tag %d: got %v, want %v", name, tag, got, want[tag])
			}
		}
	}
}

// On SQLite a small tag of a large account is listed from the tag's
// members: its plan starts at tag_members and finds each follower by the
// primary key, rather than walking every follower of the account in
// openid order (about 0.9 s for a tag of 10 among 100,000 followers). A
// tag of most of the account keeps the walk, which stops when a page is
// full.
func TestTagUsersSmallTagStartsFromTheTag(t *testing.T) {
	d := dbtest.New(t)
	if d.Dialect() != db.SQLite {
		t.Skip("a plan assertion for SQLite; PostgreSQL plans by its statistics")
	}
	if tagUsersSQL(db.SQLite, 90_000, 100_000, PageSize) != tagUsersByOpenID {
		t.Error("a tag of most of the account is sorted whole for each page")
	}
	plan := strings.Join(dbtest.Plan(t, d, tagUsersSQL(db.SQLite, 10, 100_000, PageSize), int64(1), int64(100), "", PageSize), "; ")
	if !strings.HasPrefix(plan, "SEARCH m ") || strings.Contains(plan, "follows_account_openid") {
		t.Errorf("a tag of 10 among 100,000 followers is not read from its members: %s", plan)
	}
}

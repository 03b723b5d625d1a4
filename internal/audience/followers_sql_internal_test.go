package audience

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

// Both statements of the console's follower list filtered by a tag list
// the same followers, page after page: the tag's members who follow (or,
// for the blacklist, who are blocked), matching the search, newest first
// with ties by person id, none of another account's, each once.
func TestFollowersStatementsAgree(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := d.Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
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
					var got []int64
					for offset := 0; ; offset += 4 {
						q := Query{TagID: tag, Blocked: blocked, Search: search, Offset: offset, Limit: 4}
						query, args := followersSQL(d.Dialect(), 1, q, byTag)
						rs, err := d.Query(ctx, query, args...)
						page, err := db.Collect(rs, err, func(r *sql.Rows) (int64, error) {
							f, err := scanFollower(r)
							if err != nil {
								return 0, err
							}
							return f.PersonID, nil
						})
						if err != nil {
							t.Fatal(err)
						}
						if len(page) == 0 {
							break
						}
						got = append(got, page...)
					}
					if !slices.Equal(got, want) {
						t.Errorf("tag %d, blacklist %v, search %q, by tag %v: got %v, want %v", tag, blocked, search, byTag, got, want)
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
	for _, q := range []Query{page, {TagID: 100, Blocked: true, Search: "mei", Offset: 50, Limit: 51}} {
		query, args := followersSQL(db.SQLite, 1, q, followersByTag(db.SQLite, 10, 100_000, q))
		plan := strings.Join(dbtest.Plan(t, d, query, args...), "; ")
		if !strings.HasPrefix(plan, "SEARCH m ") || strings.Contains(plan, "follows_account_newest") {
			t.Errorf("a tag of 10 among 100,000 followers (%+v) is not read from its members: %s", q, plan)
		}
	}
}

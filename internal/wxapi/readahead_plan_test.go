package wxapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/wxapi"
)

// TestUserInfoReadAheadLooksFollowersUp: the statement that reads user/info
// answers ahead finds each listed follower by its openid, so that a batch
// costs its size and not the account's: with the account's condition
// driving it, SQLite read every follower of the account through its index
// and PostgreSQL hashed them all, which for an account of a million
// followers is a million rows for each batch of 500. It also answers
// exactly the listed followers of the account, none of another's. On
// PostgreSQL the plan is checked before follows is analyzed as well (the
// followers of a new account, or of an import, until autovacuum gets to
// the table): there the planner took the account's condition for a
// selective one and scanned the account's index beside the openids'.
func TestUserInfoReadAheadLooksFollowersUp(t *testing.T) {
	h, _, _ := start(t)
	ctx := context.Background()
	a := h.Internal().App
	acc := h.Service
	openids := addFollowers(t, a.DB, acc.ID, 5000)
	stranger := h.NewFollower(h.Subscription)
	asked := append(slices.Clone(openids[1000:1500]), stranger.OpenID, "o-no-such-follower")
	list, _ := json.Marshal(asked)
	query := wxapi.UserInfoBatchSQL(a.API)

	var got []string
	rows, err := a.DB.Query(ctx, query, string(list), acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var openid, source, scene, remark, tags string
		var following bool
		var sub int64
		if err := rows.Scan(&openid, &following, &source, &scene, &sub, &remark, &tags); err != nil {
			t.Fatal(err)
		}
		got = append(got, openid)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	slices.Sort(got)
	want := slices.Sorted(slices.Values(openids[1000:1500]))
	if !slices.Equal(got, want) {
		t.Errorf("the batch answered %d followers, want the 500 listed of the account (another account's follower and an unknown openid left out)", len(got))
	}

	// How a plan reads follows: by the openid's index (wanted), or by
	// the account (its indexes, the primary key) or whole (not).
	byOpenID, byAccount := "SEARCH f USING INDEX sqlite_autoindex_follows_1 (openid=?)", []string{"SEARCH f USING INDEX follows_account", "SEARCH f USING PRIMARY KEY", "SCAN f"}
	stats := []string{""}
	if a.DB.Dialect() == db.Postgres {
		byOpenID, byAccount = "follows_openid_key", []string{"Seq Scan on follows", "follows_account", "follows_pkey"}
		stats = []string{"before ANALYZE", "after ANALYZE"}
	}
	for i, when := range stats {
		if i > 0 {
			if _, err := a.DB.Exec(ctx, `ANALYZE follows`); err != nil {
				t.Fatal(err)
			}
		}
		plan := dbtest.Plan(t, a.DB, query, string(list), acc.ID)
		text := strings.Join(plan, "\n")
		if !strings.Contains(text, byOpenID) {
			t.Errorf("%s: the read-ahead statement does not look followers up by openid; plan:\n%s", when, text)
		}
		for _, line := range plan {
			for _, bad := range byAccount {
				if strings.Contains(line, bad) {
					t.Errorf("%s: the read-ahead statement reads the account's followers (%q); plan:\n%s", when, strings.TrimSpace(line), text)
				}
			}
		}
	}
}

// addFollowers adds n followers to account straight into the database
// (people and follows) and returns their openids.
func addFollowers(t *testing.T, d *db.DB, account int64, n int) []string {
	t.Helper()
	now := db.Micro(time.Now())
	var openids []string
	err := d.Tx(context.Background(), func(tx *db.Tx) error {
		for start := 0; start < n; start += 500 {
			end := min(start+500, n)
			var people, follows strings.Builder
			var pargs, fargs []any
			for i := start; i < end; i++ {
				if i > start {
					people.WriteString(",")
					follows.WriteString(",")
				}
				people.WriteString("(?, ?, NULL, ?, '', '', '', ?, ?)")
				follows.WriteString("(?, ?, ?, TRUE, ?, '', ?, ?)")
				pid, openid := id.New(), follow.NewOpenID()
				name := fmt.Sprintf("bulk%07d", i)
				pargs = append(pargs, pid, name, name, now, now)
				fargs = append(fargs, account, pid, openid, follow.SourceSearch, now, now)
				openids = append(openids, openid)
			}
			if _, err := tx.Exec(context.Background(), `INSERT INTO people (id, username, email, display_name, password_hash, platform_role, language, created_at, updated_at) VALUES `+people.String(), pargs...); err != nil {
				return err
			}
			if _, err := tx.Exec(context.Background(), `INSERT INTO follows (account_id, person_id, openid, following, source, scene, subscribed_at, created_at) VALUES `+follows.String(), fargs...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return openids
}

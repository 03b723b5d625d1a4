package publish_test

import (
	"database/sql"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/publish/folder"
)

// Two folder readers on one database (two nodes: on PostgreSQL each keeps
// its own copy of the accounts' publication times) both answer as the
// database is, right after every write and without hearing from each
// other: a send, a suspension and its end, an account created after the
// copies were read, a burst of changes (which has the copies refreshed in
// the background) and, on PostgreSQL, a TRUNCATE of accounts.
func TestFolderOnEveryNodeSeesEveryWrite(t *testing.T) {
	e := newEnv(t)
	me := e.people(1, "reader")[0]
	nodes := []*folder.Store{e.subs, folder.NewStore(e.db, e.clock)}
	var subs []*account.Account
	for i := range 6 {
		a := e.account(account.Subscription, fmt.Sprintf("Tea %d", i))
		e.follow(a.ID, []int64{me})
		subs = append(subs, a)
		e.massSend(a.ID, e.draft(a.ID, fmt.Sprintf("First of %d", i)), 0)
		e.clock.Advance(time.Millisecond)
	}
	// The newest 20 items of the reader's followed active Subscription
	// accounts, as one query over everything.
	want := func() []int64 {
		t.Helper()
		rows, err := e.db.Query(e.ctx, `SELECT p.id FROM publications p
			JOIN follows f ON f.account_id = p.account_id AND f.person_id = ? AND f.following = TRUE AND f.blocked = FALSE
			JOIN accounts a ON a.id = p.account_id AND a.type = 'subscription' AND a.status = 'active'
			WHERE p.folder_at > 0 AND p.state = 'published' ORDER BY p.folder_at DESC, p.id DESC LIMIT 20`, me)
		ids, err := db.Collect(rows, err, func(r *sql.Rows) (int64, error) {
			var id int64
			return id, r.Scan(&id)
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	check := func(step string) {
		t.Helper()
		w := want()
		if len(w) == 0 {
			t.Fatalf("%s: the query finds nothing", step)
		}
		for n, node := range nodes {
			items, err := node.Items(e.ctx, me, folder.Cursor{}, 20)
			if err != nil {
				t.Fatalf("%s: node %d: %v", step, n, err)
			}
			var got []int64
			for _, it := range items {
				got = append(got, it.PublicationID)
				if it.AccountName == "" {
					t.Fatalf("%s: node %d: an item without its account's name", step, n)
				}
			}
			if !slices.Equal(got, w) {
				t.Fatalf("%s: node %d shows %v, want %v", step, n, got, w)
			}
		}
	}
	check("first read")

	// A send of the oldest publisher goes to the top on both.
	e.massSend(subs[0].ID, e.draft(subs[0].ID, "Fresh"), 0)
	e.clock.Advance(time.Millisecond)
	check("after a send")

	// A suspended account's items leave both at once, and come back.
	e.exec(`UPDATE accounts SET status = 'suspended' WHERE id = ?`, subs[0].ID)
	check("after a suspension")
	e.exec(`UPDATE accounts SET status = 'active' WHERE id = ?`, subs[0].ID)
	check("after the suspension ended")

	// An account created after the copies were read.
	late := e.account(account.Subscription, "Late Tea")
	e.follow(late.ID, []int64{me})
	check("after a new account was followed")
	e.massSend(late.ID, e.draft(late.ID, "Late news"), 0)
	e.clock.Advance(time.Millisecond)
	check("after the new account's first send")

	// A burst of changes: more than a read lays over its copy before it
	// has the copy refreshed. Every read, before and after the refresh,
	// is still the database's.
	for i := range 40 {
		a := e.account(account.Subscription, fmt.Sprintf("Burst %d", i))
		e.follow(a.ID, []int64{me})
		e.massSend(a.ID, e.draft(a.ID, fmt.Sprintf("Burst news %d", i)), 0)
		e.clock.Advance(time.Millisecond)
		if i%10 == 9 {
			check(fmt.Sprintf("during the burst (%d)", i))
		}
	}
	for i := range 20 {
		check(fmt.Sprintf("after the burst (%d)", i))
		time.Sleep(5 * time.Millisecond)
	}
	e.massSend(subs[2].ID, e.draft(subs[2].ID, "After the burst"), 0)
	e.clock.Advance(time.Millisecond)
	check("after a send that follows the burst")

	if e.db.Dialect() == db.Postgres {
		// A TRUNCATE removes every account at once (no row is deleted one
		// by one): the copies are read again.
		e.exec(`TRUNCATE accounts CASCADE`)
		fresh := e.account(account.Subscription, "After the truncate")
		e.follow(fresh.ID, []int64{me})
		e.massSend(fresh.ID, e.draft(fresh.ID, "A new start"), 0)
		check("after a TRUNCATE")
	}
}

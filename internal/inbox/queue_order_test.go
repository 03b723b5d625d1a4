package inbox_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/inbox"
	"github.com/heraldoa/herald/internal/realtime"
)

// Every inbox tab lists its conversations in its documented order (the
// longest waiting first, ties by person; closed ones the most recent
// first, ties by person), the first rows of the order when limited, and
// none of another account's. The conversations are written in an order
// unlike any of the tabs' and share timestamps, so an order taken from
// an index that does not hold the tie-break shows here.
func TestQueueTabsKeepTheirOrder(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	s := inbox.NewStore(d, &clock.Offset{}, realtime.NewLocal(), nil, nil)
	const acct, other = 1001, 1002
	type conv struct {
		person, lastAt, inbound, assignee int64
		state                             string
	}
	var convs []conv
	for i := int64(1); i <= 40; i++ {
		p := (i*17)%41 + 100 // people 101..140 in a scrambled order
		c := conv{person: p, lastAt: 1000 + i%4, inbound: 500 + i%5, state: []string{"open", "assigned", "closed", "open", "none"}[i%5]}
		if c.state == "assigned" {
			c.assignee = 7 + i%2
		}
		convs = append(convs, c)
		if _, err := d.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, ?, ?, 'x', 0, 0)`,
			p, fmt.Sprintf("p%d", p), fmt.Sprintf("P%d", p)); err != nil {
			t.Fatal(err)
		}
		for _, a := range []int64{acct, other} {
			if _, err := d.Exec(ctx, `INSERT INTO conversations (account_id, person_id, last_message_id, last_at, last_preview, last_inbound_at, inbox_state, assignee_id)
				VALUES (?, ?, 1, ?, '', ?, ?, ?)`, a, p, c.lastAt, c.inbound, c.state, c.assignee); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := func(keep func(conv) bool, closed bool) []int64 {
		var in []conv
		for _, c := range convs {
			if keep(c) {
				in = append(in, c)
			}
		}
		slices.SortFunc(in, func(x, y conv) int {
			if closed && x.lastAt != y.lastAt {
				return int(y.lastAt - x.lastAt)
			}
			if !closed && x.inbound != y.inbound {
				return int(x.inbound - y.inbound)
			}
			return int(x.person - y.person)
		})
		var out []int64
		for _, c := range in {
			out = append(out, c.person)
		}
		return out
	}
	for _, tc := range []struct {
		f      inbox.Filter
		keep   func(conv) bool
		closed bool
	}{
		{inbox.Filter{}, func(c conv) bool { return c.state == "open" || c.state == "assigned" }, false},
		{inbox.Filter{View: "waiting"}, func(c conv) bool { return c.state == "open" }, false},
		{inbox.Filter{View: "assigned"}, func(c conv) bool { return c.state == "assigned" }, false},
		{inbox.Filter{View: "mine", AssigneeID: 8}, func(c conv) bool { return c.state == "assigned" && c.assignee == 8 }, false},
		{inbox.Filter{View: "closed"}, func(c conv) bool { return c.state == "closed" }, true},
	} {
		all := want(tc.keep, tc.closed)
		for _, limit := range []int{500, 3} {
			f := tc.f
			f.Limit = limit
			rows, err := s.Queue(ctx, acct, f)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, r := range rows {
				got = append(got, r.PersonID)
			}
			exp := all[:min(limit, len(all))]
			if !slices.Equal(got, exp) {
				t.Errorf("view %q, limit %d: got %v, want %v", f.View, limit, got, exp)
			}
		}
	}
}

// On SQLite (which plans without statistics) no inbox tab sorts the
// account's conversations to show a page: each reads its rows in its
// order from an index, so a page costs the same for an account of a
// hundred conversations and for one of a million. Without
// conversations_queue and conversations_closed the default and closed
// tabs sorted every open (or every closed) conversation: about 2 s a page
// for the closed tab of an account of 100,000 conversations.
func TestQueueTabsDoNotSortTheAccount(t *testing.T) {
	d := dbtest.New(t)
	if d.Dialect() != db.SQLite {
		t.Skip("a plan assertion for SQLite; PostgreSQL plans by its statistics")
	}
	for _, f := range []inbox.Filter{{}, {View: "waiting"}, {View: "assigned"}, {View: "mine", AssigneeID: 7}, {View: "closed"}} {
		q, args := inbox.QueueSQL(1001, f)
		plan := strings.Join(dbtest.Plan(t, d, q, args...), "; ")
		if strings.Contains(plan, "TEMP B-TREE FOR ORDER BY") {
			t.Errorf("view %q sorts all its conversations for a page: %s", f.View, plan)
		}
	}
}

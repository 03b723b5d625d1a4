package inbox_test

import (
	"context"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/inbox"
	"github.com/heraldoa/herald/internal/realtime"
)

// addConversations writes n conversations of account acct in state (with
// assignee for assigned ones), for people from first on, in one
// transaction.
func addConversations(tb testing.TB, d *db.DB, acct, first int64, n int, state string, assignee int64) {
	tb.Helper()
	err := d.Tx(context.Background(), func(tx *db.Tx) error {
		for i := range int64(n) {
			if _, err := tx.Exec(context.Background(), `INSERT INTO conversations (account_id, person_id, last_message_id, last_at, last_preview, last_inbound_at, inbox_state, assignee_id)
				VALUES (?, ?, 1, ?, '', ?, ?, ?)`, acct, first+i, 1000+i, 500+i, state, assignee); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkCounts counts the inbox tabs of an account with 10,000
// waiting conversations and 2,000 taken ones (20 of them the agent's), as
// every inbox page and the console home do.
func BenchmarkCounts(b *testing.B) {
	d := dbtest.New(b)
	ctx := context.Background()
	const acct, agent = 1001, 7
	addConversations(b, d, acct, 1, 10000, "open", 0)
	addConversations(b, d, acct, 20001, 1980, "assigned", 8)
	addConversations(b, d, acct, 30001, 20, "assigned", agent)
	addConversations(b, d, acct, 40001, 5000, "closed", 0)
	analyze := `ANALYZE` // as a maintained SQLite would have
	if d.Dialect() == db.Postgres {
		analyze = `VACUUM ANALYZE conversations` // as autovacuum would have
	}
	if _, err := d.Exec(ctx, analyze); err != nil {
		b.Fatal(err)
	}
	s := inbox.NewStore(d, &clock.Offset{}, realtime.NewLocal(), nil, nil)
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Counts(ctx, acct, agent); err != nil {
			b.Fatal(err)
		}
	}
}

// The tabs count exactly up to inbox.CountCap and show "999+" above it;
// each count is the account's own, and "Mine" counts the agent's own.
func TestCountsStopAtTheCap(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	s := inbox.NewStore(d, &clock.Offset{}, realtime.NewLocal(), nil, nil)
	const acct, other, agent = 1001, 1002, 7
	addConversations(t, d, acct, 1, inbox.CountCap, "open", 0)
	addConversations(t, d, acct, 5001, 3, "assigned", agent)
	addConversations(t, d, acct, 6001, 4, "assigned", agent+1)
	addConversations(t, d, acct, 7001, 5, "closed", 0)
	addConversations(t, d, other, 1, inbox.CountCap+5, "open", 0)
	addConversations(t, d, other, 5001, 2, "assigned", agent)
	c, err := s.Counts(ctx, acct, agent)
	if err != nil {
		t.Fatal(err)
	}
	if c != (inbox.Counts{Waiting: inbox.CountCap, Mine: 3, Assigned: 7}) {
		t.Errorf("counts %+v, want %d waiting, 3 mine, 7 taken", c, inbox.CountCap)
	}
	if got := c.Waiting.String(); got != "999" {
		t.Errorf("%d waiting shown as %q, want 999", c.Waiting, got)
	}
	addConversations(t, d, acct, 9001, 1, "open", 0)
	if c, err = s.Counts(ctx, acct, agent); err != nil {
		t.Fatal(err)
	}
	if got := c.Waiting.String(); got != "999+" {
		t.Errorf("%d waiting shown as %q, want 999+", c.Waiting, got)
	}
	if c.Mine != 3 || c.Assigned != 7 {
		t.Errorf("counts %+v, want 3 mine, 7 taken", c)
	}
}

// Each tab's count reads an index, never the account's conversations
// (an agent's own from conversations_mine).
func TestCountsPlanUsesIndexes(t *testing.T) {
	d := dbtest.New(t)
	// Enough conversations, in several accounts and states, that
	// PostgreSQL's planner prefers an index to a scan.
	for acct := int64(1); acct <= 4; acct++ {
		addConversations(t, d, acct, 1, 1000, "open", 0)
		addConversations(t, d, acct, 2001, 500, "assigned", 8)
		addConversations(t, d, acct, 3001, 20, "assigned", 7)
		addConversations(t, d, acct, 4001, 2000, "closed", 0)
	}
	analyze := `ANALYZE`
	if d.Dialect() == db.Postgres {
		analyze = `VACUUM ANALYZE conversations` // as autovacuum would have
	}
	if _, err := d.Exec(context.Background(), analyze); err != nil {
		t.Fatal(err)
	}
	plan := strings.Join(dbtest.Plan(t, d, inbox.CountsSQL, 1, 1, 7, 1), "\n")
	if d.Dialect() == db.Postgres {
		for _, want := range []string{"Index Only Scan using conversations_inbox", "Index Only Scan using conversations_mine"} {
			if !strings.Contains(plan, want) {
				t.Errorf("plan lacks %q:\n%s", want, plan)
			}
		}
		if strings.Contains(plan, "Seq Scan") {
			t.Errorf("plan scans the conversations:\n%s", plan)
		}
		return
	}
	for _, want := range []string{"USING COVERING INDEX conversations_inbox", "USING COVERING INDEX conversations_mine"} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %q:\n%s", want, plan)
		}
	}
	if strings.Contains(plan, "SCAN conversations\n") || strings.HasSuffix(plan, "SCAN conversations") {
		t.Errorf("plan scans the conversations:\n%s", plan)
	}
}

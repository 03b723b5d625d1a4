package folder

import (
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// The Subscription conversations read with the folder's top walk the
// follower's conversations newest first (conversations_person) and stop
// at the limit, as follow.Store.Chats' statement does, instead of sorting
// them all; and as a branch of the folder's first statement they plan the
// same as alone.
func TestSubscriptionChatsWalkTheFollowersConversations(t *testing.T) {
	d := dbtest.New(t)
	if d.Dialect() != db.SQLite {
		t.Skip("a plan assertion for SQLite; PostgreSQL plans by its statistics")
	}
	alone := strings.Join(dbtest.Plan(t, d, subscriptionChatsSQL, int64(1), int64(2), 100), "; ")
	if !strings.Contains(alone, "conversations_person") || strings.Contains(alone, "TEMP B-TREE") {
		t.Errorf("the Subscription conversations are not read through conversations_person in order: %s", alone)
	}
	branch := strings.Join(dbtest.Plan(t, d, `SELECT 3, 0 UNION ALL SELECT 4, fc.account_id FROM (`+subscriptionChatsSQL+`) fc`, int64(1), int64(2), 100), "; ")
	if !strings.Contains(branch, "conversations_person") || strings.Contains(branch, "TEMP B-TREE") {
		t.Errorf("as a branch, the Subscription conversations are not read through conversations_person in order: %s", branch)
	}
	t.Logf("alone: %s\nbranch: %s", alone, branch)
}

// On SQLite the pick seeks each of the reader's follows in folder_accounts
// by integer key (its rowid) and reads the picked accounts' other columns
// only after its LIMIT.
func TestPickSeeksFolderAccountsByKey(t *testing.T) {
	d := dbtest.New(t)
	if d.Dialect() != db.SQLite {
		t.Skip("a plan assertion for SQLite; PostgreSQL picks from the node's copy of publication times")
	}
	for _, first := range []bool{false, true} {
		sh := refsShape{first: first, sqlite: true, pick: 21, deliveries: 20}
		args := []any{int64(1), int64(2), int64(2)}
		if first {
			args = append(args, int64(2), int64(2))
		}
		plan := strings.Join(dbtest.Plan(t, d, refsText(sh), args...), "; ")
		if !strings.Contains(plan, "SEARCH a USING INTEGER PRIMARY KEY") || strings.Contains(plan, "accounts_folder") {
			t.Errorf("first %v: the pick does not seek folder_accounts by its key: %s", first, plan)
		}
	}
}

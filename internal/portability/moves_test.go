package portability_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/portability"
	"github.com/heraldoa/herald/internal/user"
)

// An account moves to another Herald with its followers. Two of them have
// an account on the new platform with the same email address: both get a
// move notice in their chat with the account; one opts out. When the window
// has passed the other's old follow, chat and tags are theirs, under the
// same openid; the one who opted out is not linked, and someone with no
// match is never told anything.
func TestFollowerMoveWithConsent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, accts := seeded(t)
	a := accts["harbour"]
	// Three followers of the bank: two will find themselves on the target.
	rows, err := src.App.DB.Query(ctx, `SELECT f.openid, f.person_id FROM follows f WHERE f.account_id = ? AND f.following
		AND EXISTS (SELECT 1 FROM messages m WHERE m.account_id = f.account_id AND m.person_id = f.person_id) ORDER BY f.openid LIMIT 3`, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var openids []string
	var pids []int64
	for rows.Next() {
		var o string
		var p int64
		rows.Scan(&o, &p)
		openids, pids = append(openids, o), append(pids, p)
	}
	rows.Close()
	if len(openids) < 3 {
		t.Fatalf("the demo bank has %d followers who chatted", len(openids))
	}
	emails := []string{"ana@example.com", "bo@example.com", "cy@example.com"}
	for i, p := range pids {
		if _, err := src.App.DB.Exec(ctx, `UPDATE people SET email = ? WHERE id = ?`, emails[i], p); err != nil {
			t.Fatal(err)
		}
	}
	archive := export(t, src, a.ID)

	dst := apptest.New(t)
	owner := dst.CreatePerson(t, "hana", "a long enough secret", user.RoleNone)
	bank, err := dst.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank",
		Status: account.StatusActive, OwnerID: owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	if _, err := portability.Import(ctx, dst.App.DB, dst.App.Media, bank.ID, f, st.Size(), portability.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	// Ana and Bo are people of the target (addresses compared trimmed, in any case).
	ana, err := dst.App.Users.Create(ctx, user.NewPerson{Username: "ana", Email: " Ana@Example.com", DisplayName: "Ana", Password: "a long enough secret"})
	if err != nil {
		t.Fatal(err)
	}
	bo, err := dst.App.Users.Create(ctx, user.NewPerson{Username: "bob", Email: "bo@example.com", DisplayName: "Bo", Password: "a long enough secret"})
	if err != nil {
		t.Fatal(err)
	}
	var historyBefore int
	dst.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM messages m JOIN follows f ON f.account_id = m.account_id AND f.person_id = m.person_id
		WHERE f.openid = ?`, openids[0]).Scan(&historyBefore)

	mv := &portability.Moves{DB: dst.App.DB, Messages: dst.App.Messages, Clock: dst.Clock, BaseURL: dst.URL}
	notified, moved, err := mv.Run(ctx)
	if err != nil || notified != 2 || moved != 0 {
		t.Fatalf("first run: %d notified, %d moved, %v", notified, moved, err)
	}
	for _, p := range []*user.Person{ana, bo} {
		var body string
		if err := dst.App.DB.QueryRow(ctx, `SELECT body FROM messages WHERE account_id = ? AND person_id = ? AND kind = 'notice'`, bank.ID, p.ID).Scan(&body); err != nil {
			t.Fatalf("%s has no move notice: %v", p.Username, err)
		}
		if !strings.Contains(body, "/mp/moves") || !strings.Contains(body, "Harbour Bank") {
			t.Fatalf("notice %q", body)
		}
		pend, err := mv.Pending(ctx, p.ID)
		if err != nil || len(pend) != 1 || pend[0].AccountID != bank.ID || pend[0].Due.Sub(dst.Clock.Now()) > portability.DefaultMoveWindow ||
			pend[0].Due.Sub(dst.Clock.Now()) < portability.DefaultMoveWindow-time.Minute {
			t.Fatalf("%s's pending moves: %+v %v", p.Username, pend, err)
		}
	}
	// Bob opts out on his moves page.
	bc := dst.Client(t)
	bc.SignIn("bob", "a long enough secret")
	if r := bc.Get("/mp/moves"); r.Status != http.StatusOK || !r.Contains("Harbour Bank") || !r.Contains(fmt.Sprintf("/mp/moves/%d/opt-out", bank.ID)) {
		t.Fatalf("Bob's moves page: %d %s", r.Status, r.Body)
	}
	if r := bc.PostForm(fmt.Sprintf("/mp/moves/%d/opt-out", bank.ID), url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("opt out: %d %s", r.Status, r.Body)
	}
	if r := bc.Get("/mp/moves"); !r.Contains(`data-testid="no-moves"`) {
		t.Fatal("the move is still listed after opting out")
	}
	if err := mv.OptOut(ctx, bo.ID, bank.ID); err == nil {
		t.Fatal("opting out twice succeeded")
	}
	// Nothing moves before the window ends; a second run sends no second notice.
	dst.Clock.Advance(portability.DefaultMoveWindow - time.Minute)
	if n, m, err := mv.Run(ctx); err != nil || n != 0 || m != 0 {
		t.Fatalf("run inside the window: %d notified, %d moved, %v", n, m, err)
	}
	dst.Clock.Advance(2 * time.Minute)
	if n, m, err := mv.Run(ctx); err != nil || n != 0 || m != 1 {
		t.Fatalf("run after the window: %d notified, %d moved, %v", n, m, err)
	}
	var pid int64
	dst.App.DB.QueryRow(ctx, `SELECT person_id FROM follows WHERE account_id = ? AND openid = ?`, bank.ID, openids[0]).Scan(&pid)
	if pid != ana.ID {
		t.Fatalf("Ana's old follow (openid %s) belongs to person %d, not Ana (%d)", openids[0], pid, ana.ID)
	}
	var history int
	dst.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE account_id = ? AND person_id = ? AND kind <> 'notice'`, bank.ID, ana.ID).Scan(&history)
	if history != historyBefore || history == 0 {
		t.Fatalf("Ana has %d messages of her history, want %d", history, historyBefore)
	}
	var convs int
	dst.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM conversations WHERE account_id = ? AND person_id = ?`, bank.ID, ana.ID).Scan(&convs)
	if convs != 1 {
		t.Fatalf("Ana has %d conversations with the bank", convs)
	}
	if state, _, err := mv.MoveState(ctx, bank.ID, openids[1]); err != nil || state != "opted_out" {
		t.Fatalf("Bo's move: %q %v", state, err)
	}
	dst.App.DB.QueryRow(ctx, `SELECT person_id FROM follows WHERE account_id = ? AND openid = ?`, bank.ID, openids[1]).Scan(&pid)
	if pid == bo.ID {
		t.Fatal("Bo opted out and was moved")
	}
	if state, _, err := mv.MoveState(ctx, bank.ID, openids[2]); err != nil || state != "waiting" {
		t.Fatalf("the unmatched follower: %q %v", state, err)
	}
	if n, m, err := mv.Run(ctx); err != nil || n != 0 || m != 0 {
		t.Fatalf("a run after everything: %d notified, %d moved, %v", n, m, err)
	}
	consistency(t, dst.App.DB)
}

package demo

import (
	"context"
	"fmt"
	"testing"

	"github.com/heraldoa/herald/internal/abtest"
	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/user"
)

func TestSeedABTests(t *testing.T) {
	s := apptest.New(t)
	ctx := context.Background()
	w := &world{app: s.App, people: map[string]*user.Person{}, accounts: map[string]*account.Account{}}
	ids := make([]int64, 60)
	for i := range ids {
		p, err := s.App.Users.Create(ctx, user.NewPerson{Username: fmt.Sprintf("p%03d", i), PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = p.ID
	}
	owner, err := s.App.Users.Create(ctx, user.NewPerson{Username: "lotus", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	w.people["lotus"] = owner
	a, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Subscription, Region: account.Domestic, Name: "Lotus", Status: account.StatusActive, OwnerID: owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	w.accounts["lotus"] = a
	if _, err := s.App.Follows.FollowMany(ctx, a.ID, ids, "search"); err != nil {
		t.Fatal(err)
	}
	if err := seedABTests(ctx, w); err != nil {
		t.Fatal(err)
	}
	store := abtest.NewStore(s.App.DB, s.App.Clock, s.App.Publish)
	list, err := store.Tests(ctx, a.ID, 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("tests %v %v", list, err)
	}
	test, err := store.Test(ctx, a.ID, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	// 40% of 60 is 24, 12 a variant: 3 of A's and 6 of B's opened.
	if test.State != abtest.StateDone || test.Winner != 1 || test.Variants[0].Opens != 3 || test.Variants[1].Opens != 6 {
		t.Fatalf("state %s winner %d opens %d/%d", test.State, test.Winner, test.Variants[0].Opens, test.Variants[1].Opens)
	}
	var people, rows int64
	if err := db.Get(s.App.DB.QueryRow(ctx, `SELECT COUNT(DISTINCT person_id), COUNT(*) FROM folder_deliveries WHERE account_id = ?`, a.ID), &people, &rows); err != nil {
		t.Fatal(err)
	}
	if people != 60 || rows != 60 {
		t.Errorf("%d deliveries to %d followers, want one each to 60", rows, people)
	}
	drafts, _ := s.App.Publish.CountDrafts(ctx, a.ID)
	if drafts != 1 {
		t.Errorf("%d drafts left to test, want 1", drafts)
	}
}

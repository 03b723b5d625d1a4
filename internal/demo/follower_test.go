package demo

import (
	"context"
	"fmt"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/user"
)

func TestSeedFollows(t *testing.T) {
	s := apptest.New(t)
	ctx := context.Background()
	hash, err := user.HashPassword(followerPassword)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{app: s.App, people: map[string]*user.Person{}}
	if err := seedFollows(ctx, w); err != nil { // before the accounts step: nothing to do
		t.Fatal(err)
	}
	for i := range Followers {
		p, err := s.App.Users.Create(ctx, user.NewPerson{Username: fmt.Sprintf("f%03d", i), PasswordHash: hash})
		if err != nil {
			t.Fatal(err)
		}
		w.followers = append(w.followers, p)
	}
	w.accounts = map[string]*account.Account{}
	for key, typ := range map[string]string{"lotus": account.Subscription, "harbour": account.Service} {
		a, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: typ, Region: account.Domestic, Name: key + " demo", Status: account.StatusActive})
		if err != nil {
			t.Fatal(err)
		}
		w.accounts[key] = a
	}
	if err := seedFollows(ctx, w); err != nil {
		t.Fatal(err)
	}
	lotus, _ := s.App.Accounts.ByID(ctx, w.accounts["lotus"].ID)
	harbour, _ := s.App.Accounts.ByID(ctx, w.accounts["harbour"].ID)
	if lotus.FollowerCount != 240 || harbour.FollowerCount != 120 {
		t.Fatalf("follower counts: Lotus %d, Harbour %d; want 240 and 120", lotus.FollowerCount, harbour.FollowerCount)
	}
	mei := w.followers[0]
	for _, a := range []*account.Account{lotus, harbour} {
		if ok, err := s.App.Follows.IsFollowing(ctx, a.ID, mei.ID); err != nil || !ok {
			t.Fatalf("the first follower does not follow %s: %v", a.Name, err)
		}
	}
	// mei's chat list has the bank as a row of its own.
	chats, err := s.App.Messages.ChatList(ctx, mei.ID)
	if err != nil || len(chats) != 1 || chats[0].AccountID != harbour.ID {
		t.Fatalf("mei's chat list: %+v %v", chats, err)
	}
}

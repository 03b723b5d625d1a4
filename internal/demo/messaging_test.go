package demo

import (
	"context"
	"fmt"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/inbox"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/user"
)

func TestSeedMessaging(t *testing.T) {
	s := apptest.New(t)
	ctx := context.Background()
	w := &world{app: s.App, people: map[string]*user.Person{}}
	if err := seedMessaging(ctx, w); err != nil { // before the accounts step: nothing to do
		t.Fatal(err)
	}
	for _, u := range []string{"harbour", "sam"} {
		p, err := s.App.Users.Create(ctx, user.NewPerson{Username: u, PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		w.people[u] = p
	}
	for i := range 20 {
		p, err := s.App.Users.Create(ctx, user.NewPerson{Username: fmt.Sprintf("f%03d", i), PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		w.followers = append(w.followers, p)
	}
	w.accounts = map[string]*account.Account{}
	for key, typ := range map[string]string{"lotus": account.Subscription, "harbour": account.Service} {
		a, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: typ, Region: account.Domestic, Name: key + " demo", Status: account.StatusActive, OwnerID: w.people["harbour"].ID})
		if err != nil {
			t.Fatal(err)
		}
		w.accounts[key] = a
		for _, p := range w.followers {
			if _, err := s.App.Follows.Follow(ctx, a.ID, p.ID, "", ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := seedMessaging(ctx, w); err != nil {
		t.Fatal(err)
	}
	harbour := w.accounts["harbour"]
	// A follower who sends "price" to Lotus gets the price list.
	in, err := s.App.Chat.Receive(ctx, w.accounts["lotus"].ID, w.followers[5].ID, message.KindText, message.Body{Text: "price"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.App.Chat.Respond(ctx, in)
	if err != nil || len(out) != 2 || out[1].Kind != message.KindNews {
		t.Fatalf("price reply: %+v %v", out, err)
	}
	for _, a := range w.accounts {
		if bs, err := s.App.Menus.ForFollower(ctx, a.ID, w.followers[1].ID); err != nil || len(bs) != 3 {
			t.Errorf("%s menu: %+v %v", a.Name, bs, err)
		}
		if tags, _ := s.App.Audience.Tags(ctx, a.ID); len(tags) != 2 || tags[0].Count == 0 {
			t.Errorf("%s tags: %+v", a.Name, tags)
		}
	}
	if role, err := s.App.Accounts.Role(ctx, harbour.ID, w.people["sam"].ID); err != nil || role != account.RoleAgent {
		t.Errorf("sam: %s %v", role, err)
	}
	waiting, _ := s.App.Inbox.Queue(ctx, harbour.ID, inbox.Filter{View: "waiting"})
	mine, _ := s.App.Inbox.Queue(ctx, harbour.ID, inbox.Filter{View: "mine", AssigneeID: w.people["sam"].ID})
	if len(waiting) != 1 || len(mine) != 1 || waiting[0].Unread != 2 || !waiting[0].WindowOpen(s.Clock.Now()) {
		t.Errorf("inbox: waiting %d, sam's %d", len(waiting), len(mine))
	}
}

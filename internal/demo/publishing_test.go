package demo

import (
	"context"
	"fmt"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/publish/folder"
	"github.com/heraldoa/herald/internal/user"
)

func TestSeedPublishing(t *testing.T) {
	s := apptest.New(t)
	ctx := context.Background()
	hash, err := user.HashPassword(followerPassword)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{app: s.App, people: map[string]*user.Person{}, accounts: map[string]*account.Account{}}
	for i := range 60 {
		p, err := s.App.Users.Create(ctx, user.NewPerson{Username: fmt.Sprintf("p%03d", i), PasswordHash: hash})
		if err != nil {
			t.Fatal(err)
		}
		w.followers = append(w.followers, p)
	}
	for key, typ := range map[string]string{"lotus": account.Subscription, "harbour": account.Service} {
		owner, err := s.App.Users.Create(ctx, user.NewPerson{Username: key, PasswordHash: hash})
		if err != nil {
			t.Fatal(err)
		}
		w.people[key] = owner
		a, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: typ, Region: account.Domestic, Name: key + " demo", Status: account.StatusActive, OwnerID: owner.ID})
		if err != nil {
			t.Fatal(err)
		}
		w.accounts[key] = a
		ids := make([]int64, len(w.followers))
		for i, p := range w.followers {
			ids[i] = p.ID
		}
		if _, err := s.App.Follows.FollowMany(ctx, a.ID, ids, "search"); err != nil {
			t.Fatal(err)
		}
	}
	if err := seedPublishing(ctx, w); err != nil {
		t.Fatal(err)
	}
	lotus := w.accounts["lotus"]
	pubs, _ := s.App.Publish.Profile(ctx, lotus.ID, 0, 20)
	if len(pubs) != len(lotusPublications) {
		t.Errorf("Lotus has %d publications, want %d", len(pubs), len(lotusPublications))
	}
	// The folder shows the mass-sent ones, newest first; the bank's sends
	// are chat messages.
	items, err := s.App.Folder.Items(ctx, w.followers[0].ID, folder.Cursor{}, 20)
	if err != nil || len(items) != 4 || items[0].Title != "Why water matters" {
		t.Fatalf("folder: %+v %v", items, err)
	}
	chats, _ := s.App.Messages.ChatList(ctx, w.followers[0].ID)
	if len(chats) != 1 || chats[0].Unread != 2 {
		t.Errorf("chat list: %+v", chats)
	}
	rd, err := s.App.Publish.Read(ctx, items[0].FirstArticleID, 0, "")
	if err != nil || rd.Article.LikeCount == 0 || len(rd.Comments) != 3 || !rd.Comments[0].Featured || rd.Comments[0].Reply == "" {
		t.Errorf("reading: %+v %v", rd, err)
	}
	q, _ := s.App.Publish.Quota(ctx, w.accounts["harbour"])
	if q.Used != 2 {
		t.Errorf("Harbour used %d mass sends, want 2", q.Used)
	}
}

package follow_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/user"
)

func TestFollowManyKeepsCountsAndOpenIDs(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	c := clock.Real{}
	users, accounts, follows := user.NewStore(d, c), account.NewStore(d, c), follow.NewStore(d, c)
	hash, err := user.HashPassword("password1")
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := range 450 { // more than two statements' worth
		p, err := users.Create(ctx, user.NewPerson{Username: fmt.Sprintf("p%03d", i), PasswordHash: hash})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	a, _ := accounts.Create(ctx, account.NewAccount{Type: account.Subscription, Region: account.Domestic, Name: "Lotus Tea", Status: account.StatusActive})

	// Two follow already, one of them unfollows again.
	first, _ := follows.Follow(ctx, a.ID, ids[0], follow.SourceSearch, "")
	back, _ := follows.Follow(ctx, a.ID, ids[1], follow.SourceSearch, "")
	if _, err := follows.Unfollow(ctx, a.ID, ids[1]); err != nil {
		t.Fatal(err)
	}

	n, err := follows.FollowMany(ctx, a.ID, append(ids, ids[5]), follow.SourceOther) // a duplicate too
	if err != nil {
		t.Fatal(err)
	}
	if n != 449 {
		t.Fatalf("FollowMany added %d follows, want 449 (450 people, one already following)", n)
	}
	got, _ := accounts.ByID(ctx, a.ID)
	if got.FollowerCount != 450 {
		t.Fatalf("follower count %d, want 450", got.FollowerCount)
	}
	seen := map[string]bool{}
	for _, p := range ids {
		f, err := follows.Get(ctx, a.ID, p)
		if err != nil || !f.Following || !openidRE.MatchString(f.OpenID) || seen[f.OpenID] {
			t.Fatalf("person %d: %+v %v (openid reused: %v)", p, f, err, f != nil && seen[f.OpenID])
		}
		seen[f.OpenID] = true
	}
	if f, _ := follows.Get(ctx, a.ID, ids[0]); f.OpenID != first.OpenID || f.Source != follow.SourceSearch {
		t.Fatalf("an existing follower was changed: %+v", f)
	}
	if f, _ := follows.Get(ctx, a.ID, ids[1]); f.OpenID != back.OpenID {
		t.Fatalf("a returning follower got a new openid: %s, want %s", f.OpenID, back.OpenID)
	}

	// Again: nothing new, the count stays.
	if n, err := follows.FollowMany(ctx, a.ID, ids, follow.SourceOther); err != nil || n != 0 {
		t.Fatalf("second FollowMany: %d, %v", n, err)
	}
	if got, _ := accounts.ByID(ctx, a.ID); got.FollowerCount != 450 {
		t.Fatalf("follower count %d after repeating, want 450", got.FollowerCount)
	}

	pending, _ := accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Not Yet", Status: account.StatusPending})
	if _, err := follows.FollowMany(ctx, pending.ID, ids[:3], follow.SourceOther); !errors.Is(err, errs.Conflict) {
		t.Fatalf("bulk-followed a pending account: %v", err)
	}
}

// BenchmarkFollowMany follows one account by 300 people at once (the demo's
// size); between rounds they are marked unfollowed, so every round follows
// 300 people again (returning followers, keeping their openids).
func BenchmarkFollowMany(b *testing.B) {
	d := dbtest.New(b)
	ctx := context.Background()
	c := clock.Real{}
	users, accounts, follows := user.NewStore(d, c), account.NewStore(d, c), follow.NewStore(d, c)
	hash, _ := user.HashPassword("password1")
	var ids []int64
	for i := range 300 {
		p, err := users.Create(ctx, user.NewPerson{Username: fmt.Sprintf("p%03d", i), PasswordHash: hash})
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	a, _ := accounts.Create(ctx, account.NewAccount{Type: account.Subscription, Region: account.Domestic, Name: "Lotus Tea", Status: account.StatusActive})
	for b.Loop() {
		if n, err := follows.FollowMany(ctx, a.ID, ids, follow.SourceOther); err != nil || n != 300 {
			b.Fatal(n, err)
		}
		b.StopTimer()
		if _, err := d.Exec(ctx, `UPDATE follows SET following = FALSE WHERE account_id = ?`, a.ID); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

func TestRelationsListCurrentAndPastFollows(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	c := clock.Real{}
	users, accounts, follows := user.NewStore(d, c), account.NewStore(d, c), follow.NewStore(d, c)
	mei, _ := users.Create(ctx, user.NewPerson{Username: "mei", Password: "password1"})
	bob, _ := users.Create(ctx, user.NewPerson{Username: "bob", Password: "password1"})
	tea, _ := accounts.Create(ctx, account.NewAccount{Type: account.Subscription, Region: account.Domestic, Name: "Zen Tea", Status: account.StatusActive})
	bank, _ := accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Apple Bank", Status: account.StatusActive})
	other, _ := accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Only Bob", Status: account.StatusActive})
	for _, a := range []int64{tea.ID, bank.ID} {
		if _, err := follows.Follow(ctx, a, mei.ID, follow.SourceSearch, ""); err != nil {
			t.Fatal(err)
		}
	}
	follows.Follow(ctx, other.ID, bob.ID, follow.SourceSearch, "")
	follows.Unfollow(ctx, bank.ID, mei.ID)
	if n, err := follows.CountFollowing(ctx, mei.ID, account.Subscription); err != nil || n != 1 {
		t.Fatalf("mei follows %d Subscription accounts (%v), want 1", n, err)
	}
	if n, _ := follows.CountFollowing(ctx, mei.ID, account.Service); n != 0 {
		t.Fatalf("mei follows %d Service accounts after unfollowing, want 0", n)
	}
	if n, _ := follows.CountFollowing(ctx, bob.ID, ""); n != 1 {
		t.Fatalf("bob follows %d accounts, want 1", n)
	}
	rels, err := follows.Relations(ctx, mei.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rels) != 2 || rels[0].Account.ID != tea.ID || !rels[0].Following || !rels[0].UnsubscribedAt.IsZero() ||
		rels[1].Account.ID != bank.ID || rels[1].Following || rels[1].UnsubscribedAt.IsZero() {
		t.Fatalf("relations: %+v", rels)
	}
}

func TestChatsWithSubscriptionAccounts(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	c := &clock.Offset{}
	users, accounts, follows := user.NewStore(d, c), account.NewStore(d, c), follow.NewStore(d, c)
	msgs := message.NewStore(d, c, nil)
	mei, _ := users.Create(ctx, user.NewPerson{Username: "mei", Password: "password1"})
	bob, _ := users.Create(ctx, user.NewPerson{Username: "bob", Password: "password1"})
	mk := func(name, typ string) *account.Account {
		a, err := accounts.Create(ctx, account.NewAccount{Type: typ, Region: account.Domestic, Name: name, Status: account.StatusActive})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	tea, news, quiet, bank, left := mk("Lotus Tea", account.Subscription), mk("City News", account.Subscription),
		mk("Quiet Shop", account.Subscription), mk("Harbour Bank", account.Service), mk("Left Behind", account.Subscription)
	for _, a := range []*account.Account{tea, news, quiet, bank, left} {
		if _, err := follows.Follow(ctx, a.ID, mei.ID, follow.SourceSearch, ""); err != nil {
			t.Fatal(err)
		}
	}
	say := func(a *account.Account, p *user.Person, dir, text string) {
		c.Advance(time.Minute)
		if err := msgs.Append(ctx, &message.Message{AccountID: a.ID, PersonID: p.ID, Direction: dir, Kind: message.KindText,
			Sender: message.SenderAgent, Body: message.Body{Text: text}}); err != nil {
			t.Fatal(err)
		}
	}
	say(tea, mei, message.In, "Do you ship abroad?")
	say(tea, mei, message.Out, "Yes.")
	say(news, mei, message.Out, "Thanks for subscribing")
	say(bank, mei, message.Out, "A Service account")
	say(left, mei, message.Out, "Before you left")
	say(tea, bob, message.Out, "For bob")
	if err := msgs.OpenWindow(ctx, quiet.ID, mei.ID, time.Minute, 3); err != nil { // a row without messages
		t.Fatal(err)
	}
	follows.Unfollow(ctx, left.ID, mei.ID)

	chats, err := follows.Chats(ctx, mei.ID, account.Subscription, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(chats) != 2 || chats[0].Account.ID != news.ID || chats[1].Account.ID != tea.ID ||
		chats[1].LastPreview != "Yes." || chats[1].Unread != 1 || chats[0].Unread != 1 {
		for _, ch := range chats {
			t.Logf("%s %q unread=%d", ch.Account.Name, ch.LastPreview, ch.Unread)
		}
		t.Fatalf("mei's Subscription chats are wrong")
	}
}

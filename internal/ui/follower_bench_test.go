package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/web"
)

// benchFollower follows 20 Service accounts (10 messages each) and 20
// Subscription accounts.
func benchFollower(b *testing.B) (*apptest.Server, *apptest.Client, *user.Person, []*account.Account) {
	b.Helper()
	s := apptest.New(b)
	ctx := context.Background()
	p := s.CreatePerson(b, "mei", pw, user.RoleNone)
	c := s.Client(b)
	c.SignIn("mei", pw)
	var services []*account.Account
	for i := range 40 {
		typ := account.Service
		if i%2 == 1 {
			typ = account.Subscription
		}
		a, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: typ, Region: account.Domestic, Name: fmt.Sprintf("Account %02d", i), Status: account.StatusActive})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.App.Follows.Follow(ctx, a.ID, p.ID, "search", ""); err != nil {
			b.Fatal(err)
		}
		if typ == account.Service {
			services = append(services, a)
			for j := range 10 {
				m := &message.Message{AccountID: a.ID, PersonID: p.ID, Direction: message.Out, Kind: message.KindText, Sender: message.SenderAgent,
					Body: message.Body{Text: fmt.Sprintf("Message %d from %s", j, a.Name)}}
				if err := s.App.Messages.Append(ctx, m); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	return s, c, p, services
}

// BenchmarkChatList renders the chat list of a person following 40 accounts.
func BenchmarkChatList(b *testing.B) {
	_, c, _, _ := benchFollower(b)
	for b.Loop() {
		if res := c.Get("/"); res.Status != http.StatusOK {
			b.Fatal(res.Status)
		}
	}
}

// BenchmarkConversation renders a conversation page.
func BenchmarkConversation(b *testing.B) {
	_, c, _, services := benchFollower(b)
	path := fmt.Sprintf("/chat/%d", services[0].ID)
	for b.Loop() {
		if res := c.Get(path); res.Status != http.StatusOK {
			b.Fatal(res.Status)
		}
	}
}

// BenchmarkSendText posts a text message (stored, announced, answered).
// One person may send only so fast, so the posts rotate over 500 followers.
func BenchmarkSendText(b *testing.B) {
	s, _, _, services := benchFollower(b)
	ctx := context.Background()
	hash, err := user.HashPassword(pw)
	if err != nil {
		b.Fatal(err)
	}
	var clients []*apptest.Client
	for i := range 500 {
		p, err := s.App.Users.Create(ctx, user.NewPerson{Username: fmt.Sprintf("sender%03d", i), PasswordHash: hash})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.App.Follows.Follow(ctx, services[0].ID, p.ID, "search", ""); err != nil {
			b.Fatal(err)
		}
		token, err := s.App.Users.CreateSession(ctx, p.ID, "127.0.0.1", "bench")
		if err != nil {
			b.Fatal(err)
		}
		c := s.Client(b)
		c.SetCookie(web.SessionCookie, token)
		clients = append(clients, c)
	}
	path := fmt.Sprintf("/chat/%d/send", services[0].ID)
	form := url.Values{"kind": {"text"}, "text": {"Is the branch open on Sunday?"}}
	i := 0
	for b.Loop() {
		if res := clients[i%len(clients)].PostForm(path, form); res.Status != http.StatusSeeOther {
			b.Fatal(res.Status, res.Body)
		}
		i++
	}
}

// BenchmarkLiveDelivery measures from storing an account's message to its
// event arriving on the follower's open /events stream.
func BenchmarkLiveDelivery(b *testing.B) {
	s, c, p, services := benchFollower(b)
	lines, stop := liveStream(b, c)
	defer stop()
	nextData(b, lines, "ready")
	ctx := context.Background()
	for b.Loop() {
		m := &message.Message{AccountID: services[0].ID, PersonID: p.ID, Direction: message.Out, Kind: message.KindText,
			Sender: message.SenderAgent, Body: message.Body{Text: "live"}}
		if err := s.App.Messages.Append(ctx, m); err != nil {
			b.Fatal(err)
		}
		nextData(b, lines, "message")
	}
}

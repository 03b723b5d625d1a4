package message_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/realtime"
	"github.com/heraldoa/herald/internal/user"
)

type fixture struct {
	svc     *message.Service
	deps    message.Deps
	clock   *clock.Offset
	bus     *realtime.Local
	service *account.Account
	person  *user.Person
	follows *follow.Store
	users   *user.Store
}

func setup(t *testing.T) *fixture {
	d := dbtest.New(t)
	ctx := context.Background()
	c := &clock.Offset{}
	bus := realtime.NewLocal()
	users, accounts, follows := user.NewStore(d, c), account.NewStore(d, c), follow.NewStore(d, c)
	p, _ := users.Create(ctx, user.NewPerson{Username: "mei", Password: "password1"})
	a, err := accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank", Status: account.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := follows.Follow(ctx, a.ID, p.ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}
	deps := message.Deps{Store: message.NewStore(d, c, bus), Accounts: accounts, Follows: follows, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return &fixture{svc: message.NewService(deps), deps: deps, clock: c, bus: bus, service: a, person: p, follows: follows, users: users}
}

// answeredBy makes the fixture's service one whose chain is responders.
func (f *fixture) answeredBy(responders ...message.Responder) {
	f.svc = message.NewService(f.deps, responders...)
}

type echo struct{ handled bool }

func (e echo) Respond(ctx context.Context, in *message.Inbound) (message.Outcome, error) {
	if in.Message == nil {
		return message.Outcome{}, nil
	}
	return message.Outcome{Handled: e.handled, Replies: []message.Reply{{Kind: message.KindText, Sender: message.SenderAutoReply, Body: message.Body{Text: "echo: " + in.Message.Body.Text}}}}, nil
}

func TestWindowFollowsWeChatRules(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	a, p := f.service.ID, f.person.ID
	// No message from the follower yet: free-form sends are refused.
	if _, err := f.svc.Send(ctx, a, p, message.KindText, message.SenderAgent, 0, message.Body{Text: "hi"}); !errors.Is(err, message.ErrWindowClosed) {
		t.Fatalf("send before any follower message: %v, want window closed", err)
	}
	if _, err := f.svc.Receive(ctx, a, p, message.KindText, message.Body{Text: "price?"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < message.MessageWindowCount; i++ {
		if _, err := f.svc.Send(ctx, a, p, message.KindText, message.SenderAgent, 0, message.Body{Text: "answer"}); err != nil {
			t.Fatalf("send %d inside the window: %v", i+1, err)
		}
	}
	if _, err := f.svc.Send(ctx, a, p, message.KindText, message.SenderAgent, 0, message.Body{Text: "one more"}); !errors.Is(err, message.ErrWindowExhausted) {
		t.Fatalf("sixth send: %v, want exhausted", err)
	}
	// A new follower message reopens the window; 48 hours later it is closed.
	if _, err := f.svc.Receive(ctx, a, p, message.KindText, message.Body{Text: "again"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(47 * time.Hour)
	if _, err := f.svc.Send(ctx, a, p, message.KindText, message.SenderAgent, 0, message.Body{Text: "still ok"}); err != nil {
		t.Fatalf("send after 47 h: %v", err)
	}
	f.clock.Advance(2 * time.Hour)
	if _, err := f.svc.Send(ctx, a, p, message.KindText, message.SenderAgent, 0, message.Body{Text: "too late"}); !errors.Is(err, message.ErrWindowClosed) {
		t.Fatalf("send after 49 h: %v, want window closed", err)
	}
	// A menu click opens 3 messages for one minute.
	if _, err := f.svc.Event(ctx, a, p, message.EventClick, "K1", ""); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < message.ActionWindowCount; i++ {
		if _, err := f.svc.Send(ctx, a, p, message.KindText, message.SenderAPI, 0, message.Body{Text: "after click"}); err != nil {
			t.Fatalf("send %d after click: %v", i+1, err)
		}
	}
	if _, err := f.svc.Send(ctx, a, p, message.KindText, message.SenderAPI, 0, message.Body{Text: "x"}); !errors.Is(err, message.ErrWindowExhausted) {
		t.Fatalf("fourth send after click: %v", err)
	}
}

func TestRespondersAndLiveDelivery(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	events, stop := f.bus.Subscribe(realtime.PersonTopic(f.person.ID))
	defer stop()
	f.answeredBy(echo{handled: true}, echo{handled: true}) // the second is skipped: the first handled it
	in, err := f.svc.Receive(ctx, f.service.ID, f.person.ID, message.KindText, message.Body{Text: "  hello  "})
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.svc.Respond(ctx, in)
	if err != nil || len(out) != 1 || out[0].Body.Text != "echo: hello" {
		t.Fatalf("replies: %+v %v", out, err)
	}
	got := 0
	for len(events) > 0 {
		<-events
		got++
	}
	if got != 2 {
		t.Fatalf("follower saw %d live events, want 2 (own message and reply)", got)
	}
	rows, _ := f.svc.Store.ChatList(ctx, f.person.ID)
	if len(rows) != 1 || rows[0].Unread != 1 || rows[0].LastPreview != "echo: hello" {
		t.Fatalf("chat list: %+v", rows[0])
	}
	if err := f.svc.Store.MarkRead(ctx, f.service.ID, f.person.ID); err != nil {
		t.Fatal(err)
	}
	rows, _ = f.svc.Store.ChatList(ctx, f.person.ID)
	if rows[0].Unread != 0 {
		t.Fatalf("unread after reading: %d", rows[0].Unread)
	}
	hist, _ := f.svc.Store.History(ctx, f.service.ID, f.person.ID, 0, 10)
	if len(hist) != 2 || hist[0].Direction != message.In || hist[1].Direction != message.Out {
		t.Fatalf("history order: %+v", hist)
	}
}

func TestBlockedAndUnfollowedCannotMessage(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if _, err := f.svc.Receive(ctx, f.service.ID, f.person.ID, message.KindText, message.Body{Text: ""}); !errors.Is(err, errs.Invalid) {
		t.Fatalf("empty message: %v", err)
	}
	if _, err := f.follows.Unfollow(ctx, f.service.ID, f.person.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Receive(ctx, f.service.ID, f.person.ID, message.KindText, message.Body{Text: "hi"}); !errors.Is(err, errs.Forbidden) {
		t.Fatalf("unfollowed person messaged: %v", err)
	}
	hist, _ := f.svc.Store.History(ctx, f.service.ID, f.person.ID, 0, 10)
	if len(hist) != 0 {
		t.Fatalf("refused messages were stored: %d", len(hist))
	}
}

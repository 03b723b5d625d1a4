package message_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/user"
)

// greeter answers follows and clicks, saying what it saw.
type greeter struct{}

func (greeter) Respond(ctx context.Context, in *message.Inbound) (message.Outcome, error) {
	if in.Message != nil {
		return message.Outcome{}, nil
	}
	text := in.Event + " " + in.Key
	if in.Event == message.EventLocation {
		text = "at the harbour"
	}
	return message.Outcome{Handled: true, Replies: []message.Reply{{Kind: message.KindText, Sender: message.SenderAutoReply, Body: message.Body{Text: text}}}}, nil
}

// Act is the one way in for a follower's event: it records it (a click
// opens the short customer-service window), answers it as the face waits,
// and refuses a person who never followed the account.
func TestActRecordsAndAnswersEvents(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.answeredBy(greeter{})
	a, p := f.service.ID, f.person.ID

	acted, err := f.svc.Act(ctx, a, p, message.FollowerEvent{Event: message.EventClick, Key: "HOURS"}, message.WaitForAnswer)
	if err != nil || !acted.Answered || len(acted.Replies) != 1 || acted.Replies[0].Body.Text != "CLICK HOURS" {
		t.Fatalf("click answered %+v, %v", acted, err)
	}
	// The click opened the window: the account may send a message.
	if _, err := f.svc.Send(ctx, a, p, message.KindText, message.SenderAgent, 0, message.Body{Text: "We open at nine."}); err != nil {
		t.Fatalf("send after a click: %v", err)
	}

	// In the background: the answer arrives, and Shutdown waits for it.
	if _, err := f.svc.Act(ctx, a, p, message.FollowerEvent{Event: message.EventLocation, Lat: 22.3, Lng: 114.2}, message.NoWait); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	hist, _ := f.svc.Store.History(ctx, a, p, 0, 10)
	found := false
	for _, m := range hist {
		found = found || m.Body.Text == "at the harbour"
	}
	if !found {
		t.Fatalf("the background answer is not in the conversation (%d messages)", len(hist))
	}

	stranger, err := f.users.Create(ctx, user.NewPerson{Username: "ling", Password: "password1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Act(ctx, a, stranger.ID, message.FollowerEvent{Event: message.EventClick, Key: "HOURS"}, message.WaitForAnswer); !errors.Is(err, errs.NotFound) {
		t.Fatalf("a person who never followed: %v, want not found", err)
	}
}

// blocked answers only when its context ends.
type blocked struct{ cancelled chan struct{} }

func (b blocked) Respond(ctx context.Context, in *message.Inbound) (message.Outcome, error) {
	<-ctx.Done()
	close(b.cancelled)
	return message.Outcome{}, ctx.Err()
}

// An answer still running when the shutdown's time is up is cancelled:
// background answers run on the service's lifetime, not on nothing.
func TestShutdownCancelsAnswersLeftRunning(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	b := blocked{cancelled: make(chan struct{})}
	f.answeredBy(b)
	if _, err := f.svc.Act(ctx, f.service.ID, f.person.ID, message.FollowerEvent{Event: message.EventClick, Key: "K"}, message.NoWait); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := f.svc.Shutdown(sctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with an answer left running: %v", err)
	}
	select {
	case <-b.cancelled:
	default:
		t.Fatal("Shutdown returned before the answer left running had stopped")
	}
}

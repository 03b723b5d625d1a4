package autoreply_test

import (
	"context"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/inbox"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/user"
)

// The default reply answers a follower's text once per window, never their
// images, voice, video or locations, and stays quiet while an agent holds
// the conversation; keyword replies answer every time.
func TestDefaultReplyManners(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if _, err := f.store.SetSpecial(ctx, f.a.ID, autoreply.KindDefault, true, text("A person will answer soon.")); err != nil {
		t.Fatal(err)
	}
	if err := f.store.SaveRule(ctx, &autoreply.Rule{AccountID: f.a.ID, Name: "Prices", Enabled: true,
		Keywords: []autoreply.Keyword{kw("exact", "price")}, Replies: []autoreply.Reply{text("Green tea ¥30")}}); err != nil {
		t.Fatal(err)
	}
	say := func(personID int64, kind string, body message.Body) []string {
		t.Helper()
		in, err := f.svc.Receive(ctx, f.a.ID, personID, kind, body)
		if err != nil {
			t.Fatal(err)
		}
		out, err := f.svc.Respond(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range out {
			got = append(got, m.Body.Text)
		}
		return got
	}
	hi := func(personID int64) []string { return say(personID, message.KindText, message.Body{Text: "hello"}) }
	image := message.Body{MediaKey: "chat/1.png", MediaType: "image/png"}
	location := message.Body{Lat: 31.2, Lng: 121.4, Scale: 15, Label: "The Bund"}

	// A follower's own image, voice, video or location never gets the
	// default reply, and does not use up the window.
	if got := say(f.mei.ID, message.KindImage, image); len(got) != 0 {
		t.Fatalf("image answered with %q", got)
	}
	if got := say(f.mei.ID, message.KindLocation, location); len(got) != 0 {
		t.Fatalf("location answered with %q", got)
	}
	if got := hi(f.mei.ID); len(got) != 1 || got[0] != "A person will answer soon." {
		t.Fatalf("first text: %q", got)
	}
	// Within the hour: silence for the default, keywords still answer.
	f.clock.Advance(59 * time.Minute)
	if got := hi(f.mei.ID); len(got) != 0 {
		t.Fatalf("second text within the hour answered: %q", got)
	}
	if got := say(f.mei.ID, message.KindText, message.Body{Text: "price"}); len(got) != 1 || got[0] != "Green tea ¥30" {
		t.Fatalf("keyword reply within the window: %q", got)
	}
	// Another follower has a window of their own.
	jun, err := f.users.Create(ctx, user.NewPerson{Username: "jun", Password: "password1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.follows.Follow(ctx, f.a.ID, jun.ID, follow.SourceSearch, ""); err != nil {
		t.Fatal(err)
	}
	if got := hi(jun.ID); len(got) != 1 {
		t.Fatalf("another follower's first text: %q", got)
	}
	// After the hour, once more.
	f.clock.Advance(2 * time.Minute)
	if got := hi(f.mei.ID); len(got) != 1 {
		t.Fatalf("text after the hour: %q", got)
	}

	// The owner shortens the window to 5 minutes.
	if w, err := f.store.DefaultReplyWindow(ctx, f.a.ID); err != nil || w != time.Hour {
		t.Fatalf("window before setting: %v, %v", w, err)
	}
	if err := f.store.SetDefaultReplyWindow(ctx, f.a.ID, 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := f.store.SetDefaultReplyWindow(ctx, f.a.ID, time.Second); err == nil {
		t.Fatal("a one-second window was accepted")
	}
	f.clock.Advance(6 * time.Minute)
	if got := hi(f.mei.ID); len(got) != 1 {
		t.Fatalf("text after the 5-minute window: %q", got)
	}

	// An agent takes the conversation: the default reply stays quiet however
	// long the conversation lasts; keywords still answer.
	if err := f.accounts.AddMember(ctx, f.a.ID, jun.ID, "agent"); err != nil {
		t.Fatal(err)
	}
	box := inbox.NewStore(f.db, f.clock, nil, f.svc, nil)
	if err := box.Take(ctx, f.a.ID, f.mei.ID, jun.ID); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	if got := hi(f.mei.ID); len(got) != 0 {
		t.Fatalf("default reply while an agent holds the conversation: %q", got)
	}
	if got := say(f.mei.ID, message.KindText, message.Body{Text: "price"}); len(got) != 1 {
		t.Fatalf("keyword reply while taken: %q", got)
	}
	// Closed by the agent, the next text gets the default reply again.
	if err := box.Close(ctx, f.a.ID, f.mei.ID, jun.ID); err != nil {
		t.Fatal(err)
	}
	if got := hi(f.mei.ID); len(got) != 1 {
		t.Fatalf("default reply after the conversation was closed: %q", got)
	}
}

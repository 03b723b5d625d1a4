package inbox_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/inbox"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/realtime"
	"github.com/heraldoa/herald/internal/user"
)

type fixture struct {
	inbox                     *inbox.Store
	svc                       *message.Service
	follows                   *follow.Store
	bus                       *realtime.Local
	clock                     *clock.Offset
	a, b                      *account.Account
	owner, sam, pub, outsider *user.Person
	mei, bob                  *user.Person
	// onChange, when set, hears the inbox's changes.
	onChange func(context.Context, inbox.Change)
}

func setup(t *testing.T) *fixture {
	t.Helper()
	d := dbtest.New(t)
	ctx := context.Background()
	c := &clock.Offset{}
	bus := realtime.NewLocal()
	users, accounts, follows := user.NewStore(d, c), account.NewStore(d, c), follow.NewStore(d, c)
	f := &fixture{clock: c, bus: bus, follows: follows}
	mk := func(u, dn string) *user.Person {
		p, err := users.Create(ctx, user.NewPerson{Username: u, DisplayName: dn, PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	f.owner, f.sam, f.pub, f.outsider = mk("hana", "Hana"), mk("sam", "Sam"), mk("pia", "Pia"), mk("olga", "Olga")
	f.mei, f.bob = mk("mei", "Mei"), mk("bob", "Bob")
	var err error
	if f.a, err = accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank", Status: account.StatusActive, OwnerID: f.owner.ID}); err != nil {
		t.Fatal(err)
	}
	if f.b, err = accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Lotus Tea", Status: account.StatusActive, OwnerID: f.outsider.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := accounts.Invite(ctx, f.a.ID, account.RoleOwner, "sam", account.RoleAgent); err != nil {
		t.Fatal(err)
	}
	if _, err := accounts.Invite(ctx, f.a.ID, account.RoleOwner, "pia", account.RolePublisher); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*user.Person{f.mei, f.bob} {
		for _, a := range []*account.Account{f.a, f.b} {
			if _, err := follows.Follow(ctx, a.ID, p.ID, follow.SourceSearch, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.svc = message.NewService(message.Deps{Store: message.NewStore(d, c, bus), Accounts: accounts, Follows: follows, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	f.inbox = inbox.NewStore(d, c, bus, f.svc, func(ctx context.Context, ch inbox.Change) {
		if f.onChange != nil {
			f.onChange(ctx, ch)
		}
	})
	return f
}

func (f *fixture) say(t *testing.T, a *account.Account, p *user.Person, text string) {
	t.Helper()
	if _, err := f.svc.Receive(context.Background(), a.ID, p.ID, message.KindText, message.Body{Text: text}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
}

func names(rows []*inbox.Row) string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Name()+":"+r.State)
	}
	return strings.Join(out, ",")
}

func TestQueueTakeTransferClose(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.say(t, f.a, f.mei, "my card is blocked")
	f.say(t, f.a, f.bob, "hello")
	f.say(t, f.a, f.mei, "please help")
	f.say(t, f.b, f.bob, "tea?")

	q, err := f.inbox.Queue(ctx, f.a.ID, inbox.Filter{View: "waiting"})
	if err != nil {
		t.Fatal(err)
	}
	// Bob has waited longest now (Mei's last message is newer).
	if got := names(q); got != "Bob:open,Mei:open" {
		t.Errorf("queue: %s", got)
	}
	if q[1].Unread != 2 || q[1].LastPreview != "please help" {
		t.Errorf("Mei's row: %+v", q[1])
	}
	if err := f.inbox.Take(ctx, f.a.ID, f.mei.ID, f.sam.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.inbox.Take(ctx, f.a.ID, f.mei.ID, f.owner.ID); errs.KindOf(err) != errs.KindConflict || !strings.Contains(errs.Message(err), "Sam") {
		t.Errorf("taking a taken conversation: %v", err)
	}
	if err := f.inbox.Take(ctx, f.a.ID, f.bob.ID, f.pub.ID); !errors.Is(err, inbox.ErrNotAgent) {
		t.Errorf("a publisher took a conversation: %v", err)
	}
	mine, _ := f.inbox.Queue(ctx, f.a.ID, inbox.Filter{View: "mine", AssigneeID: f.sam.ID})
	if got := names(mine); got != "Mei:assigned" || mine[0].AssigneeName != "Sam" {
		t.Errorf("Sam's queue: %s", got)
	}
	counts, _ := f.inbox.Counts(ctx, f.a.ID, f.sam.ID)
	if counts != (inbox.Counts{Waiting: 1, Mine: 1, Assigned: 1}) {
		t.Errorf("counts: %+v", counts)
	}
	for _, to := range []int64{f.pub.ID, f.outsider.ID, f.mei.ID} {
		if err := f.inbox.Transfer(ctx, f.a.ID, f.mei.ID, f.sam.ID, to); !errors.Is(err, inbox.ErrNotAgent) {
			t.Errorf("transfer to %d: %v", to, err)
		}
	}
	if err := f.inbox.Transfer(ctx, f.a.ID, f.mei.ID, f.sam.ID, f.owner.ID); err != nil {
		t.Fatal(err)
	}
	row, _ := f.inbox.Conversation(ctx, f.a.ID, f.mei.ID)
	if row.AssigneeID != f.owner.ID {
		t.Errorf("after transfer assignee = %d", row.AssigneeID)
	}
	if err := f.inbox.Close(ctx, f.a.ID, f.mei.ID, f.owner.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.inbox.Close(ctx, f.a.ID, f.mei.ID, f.owner.ID); errs.KindOf(err) != errs.KindConflict {
		t.Errorf("closing twice: %v", err)
	}
	hist, _ := f.inbox.History(ctx, f.a.ID, f.mei.ID)
	var acts []string
	for _, h := range hist {
		acts = append(acts, h.Action+">"+h.AssigneeName)
	}
	if strings.Join(acts, ",") != "take>Sam,transfer>Hana,close>" {
		t.Errorf("history: %v", acts)
	}
	// The follower writes again: the conversation is back in the queue.
	f.say(t, f.a, f.mei, "one more thing")
	if row, _ := f.inbox.Conversation(ctx, f.a.ID, f.mei.ID); row.State != inbox.StateOpen {
		t.Errorf("state after a new message: %s", row.State)
	}
}

func TestTenantIsolation(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.say(t, f.a, f.mei, "secret banking question")
	if _, err := f.inbox.Conversation(ctx, f.b.ID, f.mei.ID); !errors.Is(err, errs.NotFound) {
		t.Errorf("B opened A's conversation: %v", err)
	}
	if q, _ := f.inbox.Queue(ctx, f.b.ID, inbox.Filter{}); len(q) != 0 {
		t.Errorf("B's queue shows %s", names(q))
	}
	if err := f.inbox.Take(ctx, f.b.ID, f.mei.ID, f.outsider.ID); !errors.Is(err, errs.NotFound) {
		t.Errorf("B took A's conversation: %v", err)
	}
	if err := f.inbox.Take(ctx, f.a.ID, f.mei.ID, f.outsider.ID); !errors.Is(err, inbox.ErrNotAgent) {
		t.Errorf("B's owner took A's conversation: %v", err)
	}
	if _, err := f.inbox.AddNote(ctx, f.b.ID, f.mei.ID, f.outsider.ID, "x"); !errors.Is(err, errs.NotFound) {
		t.Errorf("note on another account's conversation: %v", err)
	}
	if _, err := f.inbox.Reply(ctx, f.b.ID, f.mei.ID, f.outsider.ID, message.KindText, message.Body{Text: "hi"}); !errors.Is(err, errs.NotFound) {
		t.Errorf("B replied into A's conversation: %v", err)
	}
}

func TestReplyObeysTheWindowAndBlacklist(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	events, stop := f.bus.Subscribe(realtime.PersonTopic(f.mei.ID))
	defer stop()
	f.say(t, f.a, f.mei, "hello?")
	<-events // the follower's own message
	m, err := f.inbox.Reply(ctx, f.a.ID, f.mei.ID, f.sam.ID, message.KindText, message.Body{Text: "  Hi Mei, how can I help? "})
	if err != nil {
		t.Fatal(err)
	}
	if m.Sender != message.SenderAgent || m.AgentID != f.sam.ID || m.Body.Text != "Hi Mei, how can I help?" {
		t.Errorf("reply: %+v", m)
	}
	select {
	case ev := <-events:
		if got, ok := ev.Data.(*message.Message); !ok || got.ID != m.ID {
			t.Errorf("follower got %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the follower was not told about the reply")
	}
	// Answering an open conversation takes it.
	if row, _ := f.inbox.Conversation(ctx, f.a.ID, f.mei.ID); row.State != inbox.StateAssigned || row.AssigneeID != f.sam.ID {
		t.Errorf("after reply: %s %d", row.State, row.AssigneeID)
	}
	if _, err := f.inbox.Reply(ctx, f.a.ID, f.mei.ID, f.sam.ID, message.KindText, message.Body{Text: " "}); errs.KindOf(err) != errs.KindInvalid {
		t.Errorf("empty reply: %v", err)
	}
	if _, err := f.inbox.Reply(ctx, f.a.ID, f.mei.ID, f.sam.ID, message.KindVoice, message.Body{MediaKey: "x"}); errs.KindOf(err) != errs.KindInvalid {
		t.Errorf("voice reply: %v", err)
	}
	// 48 hours after Mei's last message, free-form replies stop.
	f.clock.Advance(message.MessageWindow)
	if _, err := f.inbox.Reply(ctx, f.a.ID, f.mei.ID, f.sam.ID, message.KindText, message.Body{Text: "still there?"}); !errors.Is(err, message.ErrWindowClosed) {
		t.Errorf("after 48 h: %v", err)
	}
	f.say(t, f.a, f.mei, "yes")
	for i := range message.MessageWindowCount {
		if _, err := f.inbox.Reply(ctx, f.a.ID, f.mei.ID, f.sam.ID, message.KindText, message.Body{Text: "ok"}); err != nil {
			t.Fatalf("reply %d: %v", i+1, err)
		}
	}
	if _, err := f.inbox.Reply(ctx, f.a.ID, f.mei.ID, f.sam.ID, message.KindText, message.Body{Text: "too many"}); !errors.Is(err, message.ErrWindowExhausted) {
		t.Errorf("reply %d: %v", message.MessageWindowCount+1, err)
	}
	// A blacklisted follower cannot write and gets nothing.
	f.say(t, f.a, f.bob, "hi")
	if err := f.follows.SetBlocked(ctx, f.a.ID, f.bob.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.inbox.Reply(ctx, f.a.ID, f.bob.ID, f.sam.ID, message.KindText, message.Body{Text: "hi"}); errs.KindOf(err) != errs.KindForbidden {
		t.Errorf("reply to a blacklisted follower: %v", err)
	}
	if _, err := f.svc.Receive(ctx, f.a.ID, f.bob.ID, message.KindText, message.Body{Text: "let me in"}); !errors.Is(err, message.ErrBlocked) {
		t.Errorf("blacklisted follower wrote: %v", err)
	}
}

func TestNotesStayInternal(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.say(t, f.a, f.mei, "hi")
	events, stop := f.bus.Subscribe(realtime.PersonTopic(f.mei.ID))
	defer stop()
	if _, err := f.inbox.AddNote(ctx, f.a.ID, f.mei.ID, f.sam.ID, "  VIP customer, be nice "); err != nil {
		t.Fatal(err)
	}
	if _, err := f.inbox.AddNote(ctx, f.a.ID, f.mei.ID, f.sam.ID, " "); errs.KindOf(err) != errs.KindInvalid {
		t.Errorf("empty note: %v", err)
	}
	if _, err := f.inbox.AddNote(ctx, f.a.ID, f.mei.ID, f.sam.ID, strings.Repeat("n", inbox.MaxNoteRunes+1)); errs.KindOf(err) != errs.KindInvalid {
		t.Errorf("long note: %v", err)
	}
	notes, _ := f.inbox.Notes(ctx, f.a.ID, f.mei.ID)
	if len(notes) != 1 || notes[0].Body != "VIP customer, be nice" || notes[0].AuthorName != "Sam" {
		t.Errorf("notes: %+v", notes)
	}
	hist, _ := f.svc.Store.History(ctx, f.a.ID, f.mei.ID, 0, 50)
	for _, m := range hist {
		if strings.Contains(m.Body.Text, "VIP") {
			t.Errorf("a note reached the conversation: %+v", m)
		}
	}
	select {
	case ev := <-events:
		t.Errorf("the follower was told about a note: %+v", ev)
	default:
	}
}

// BenchmarkQueue lists the waiting queue of an account with 1000 open
// conversations (and counts the tabs), as the inbox page does.
func BenchmarkQueue(b *testing.B) {
	d := dbtest.New(b)
	ctx := context.Background()
	c := &clock.Offset{}
	users, accounts, follows := user.NewStore(d, c), account.NewStore(d, c), follow.NewStore(d, c)
	a, err := accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Bench Bank", Status: account.StatusActive})
	if err != nil {
		b.Fatal(err)
	}
	ms := message.NewStore(d, c, nil)
	for i := range 1000 {
		p, err := users.Create(ctx, user.NewPerson{Username: fmt.Sprintf("fan%04d", i), PasswordHash: "x"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := follows.Follow(ctx, a.ID, p.ID, "", ""); err != nil {
			b.Fatal(err)
		}
		if err := ms.Append(ctx, &message.Message{AccountID: a.ID, PersonID: p.ID, Direction: message.In, Kind: message.KindText,
			Sender: message.SenderFollower, Body: message.Body{Text: "hello"}}); err != nil {
			b.Fatal(err)
		}
	}
	s := inbox.NewStore(d, c, nil, nil, nil)
	if _, err := d.Exec(ctx, `ANALYZE`); err != nil { // as autovacuum / a maintained SQLite would have
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		q, err := s.Queue(ctx, a.ID, inbox.Filter{View: "waiting", Limit: 200})
		if err != nil || len(q) != 200 {
			b.Fatalf("%d rows, %v", len(q), err)
		}
		if _, err := s.Counts(ctx, a.ID, 1); err != nil {
			b.Fatal(err)
		}
	}
}

func TestConcurrentTakesOneWins(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	for _, p := range []*user.Person{f.mei, f.bob} {
		f.say(t, f.a, p, "anyone?")
		errc := make(chan error, 2)
		for _, agent := range []*user.Person{f.sam, f.owner} {
			go func() { errc <- f.inbox.Take(ctx, f.a.ID, p.ID, agent.ID) }()
		}
		e1, e2 := <-errc, <-errc
		if (e1 == nil) == (e2 == nil) {
			t.Fatalf("two takes: %v and %v; want exactly one to win", e1, e2)
		}
		if lost := errors.Join(e1, e2); errs.KindOf(lost) != errs.KindConflict {
			t.Errorf("the losing take: %v", lost)
		}
		hist, _ := f.inbox.History(ctx, f.a.ID, p.ID)
		if len(hist) != 1 {
			t.Errorf("history after concurrent takes: %d entries", len(hist))
		}
	}
}

func TestChangesAreReported(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	var got []inbox.Change
	f.onChange = func(_ context.Context, ch inbox.Change) { got = append(got, ch) }
	f.say(t, f.a, f.mei, "hello")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.inbox.Take(ctx, f.a.ID, f.mei.ID, f.sam.ID))
	must(f.inbox.Take(ctx, f.a.ID, f.mei.ID, f.sam.ID)) // already Sam's: no change
	must(f.inbox.Transfer(ctx, f.a.ID, f.mei.ID, f.sam.ID, f.owner.ID))
	must(f.inbox.Close(ctx, f.a.ID, f.mei.ID, f.owner.ID))
	if err := f.inbox.Close(ctx, f.a.ID, f.mei.ID, f.owner.ID); err == nil {
		t.Fatal("closed a closed conversation")
	}
	want := []inbox.Change{
		{AccountID: f.a.ID, PersonID: f.mei.ID, Action: inbox.ActionTake, From: 0, To: f.sam.ID},
		{AccountID: f.a.ID, PersonID: f.mei.ID, Action: inbox.ActionTransfer, From: f.sam.ID, To: f.owner.ID},
		{AccountID: f.a.ID, PersonID: f.mei.ID, Action: inbox.ActionClose, From: f.owner.ID, To: 0},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("changes:\n got %v\nwant %v", got, want)
	}
}

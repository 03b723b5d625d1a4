package ui_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/realtime"
)

// inboxStream is an agent's open inbox event stream.
type inboxStream struct {
	t      *testing.T
	cancel func()
	rd     *bufio.Reader
}

type streamEvent struct{ name, id, data string }

func (w *msgWorld) openInbox(t *testing.T, who, lastEventID string) *inboxStream {
	t.Helper()
	c := w.client(t, who)
	req := c.NewRequest(http.MethodGet, w.mp(w.a, "inbox/events"), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	req = req.WithContext(ctx)
	for _, ck := range c.Jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if res.StatusCode != 200 {
		cancel()
		t.Fatalf("inbox events: HTTP %d", res.StatusCode)
	}
	s := &inboxStream{t: t, cancel: func() { cancel(); res.Body.Close() }, rd: bufio.NewReader(res.Body)}
	t.Cleanup(s.cancel)
	return s
}

// next reads the next event.
func (s *inboxStream) next() streamEvent {
	s.t.Helper()
	var ev streamEvent
	for {
		line, err := s.rd.ReadString('\n')
		if err != nil {
			s.t.Fatalf("reading the stream: %v", err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "":
			if ev.name != "" {
				return ev
			}
		case strings.HasPrefix(line, "id: "):
			ev.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			ev.name = line[7:]
		case strings.HasPrefix(line, "data: "):
			ev.data += line[6:]
		}
	}
}

// until reads events up to and including the one named name, returning
// those before it.
func (s *inboxStream) until(name string) ([]streamEvent, streamEvent) {
	s.t.Helper()
	var before []streamEvent
	for {
		ev := s.next()
		if ev.name == name {
			return before, ev
		}
		before = append(before, ev)
	}
}

// The console inbox's stream resumes: a page that reconnects with the
// Last-Event-ID it had (the "ready" event's, when it saw no message yet)
// gets the messages stored while it was away and an "inbox" event that
// makes it reload its queue; live events it lost while connected are
// replayed when the bus reports the gap.
func TestInboxStreamResumesFromLastEventID(t *testing.T) {
	t.Parallel()
	w := newMsgWorld(t)
	ctx := w.ctx
	s := w.openInbox(t, "sam", "")
	_, ready := s.until("ready")
	if ready.id == "" {
		t.Fatal("the ready event carries no id: a page that saw no message could not resume")
	}
	s.cancel()

	// While the page is away: two follower messages and an agent's answer.
	for _, text := range []string{"away one", "away two"} {
		if _, err := w.s.App.Chat.Receive(ctx, w.a.ID, w.people["mei"].ID, message.KindText, message.Body{Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.s.App.Chat.Send(ctx, w.a.ID, w.people["mei"].ID, message.KindText, message.SenderAgent, w.people["sam"].ID, message.Body{Text: "away answer"}); err != nil {
		t.Fatal(err)
	}
	s = w.openInbox(t, "sam", ready.id)
	before, _ := s.until("ready")
	var got []string
	inboxAfter := false
	for _, ev := range before {
		switch ev.name {
		case "message":
			if ev.id == "" {
				t.Errorf("replayed message without id: %s", ev.data)
			}
			got = append(got, ev.data)
		case "inbox":
			inboxAfter = len(got) == 3
		}
	}
	if len(got) != 3 || !strings.Contains(got[0], "away one") || !strings.Contains(got[1], "away two") || !strings.Contains(got[2], "away answer") || !inboxAfter {
		t.Fatalf("replayed %v (inbox event after them: %v), want the three messages then an inbox event", got, inboxAfter)
	}

	// A message whose live event this node lost (stored without reaching
	// the bus), then the bus reports the gap: the stream replays it.
	lostID := id.New()
	if _, err := w.s.App.DB.Exec(ctx, `INSERT INTO messages (id, account_id, person_id, direction, kind, sender, agent_id, body, created_at)
		VALUES (?, ?, ?, 'in', 'text', 'follower', 0, '{"text":"lost live event"}', ?)`, lostID, w.a.ID, w.people["bob"].ID, time.Now().UnixMicro()); err != nil {
		t.Fatal(err)
	}
	w.s.App.Bus.Publish(realtime.AccountTopic(w.a.ID), realtime.Event{Type: realtime.TypeGap})
	// (The replay reaches a minute back for clocks apart: the page skips
	// what it has; it ends with an inbox event.)
	replayed, _ := s.until("inbox")
	found := false
	for _, ev := range replayed {
		found = found || (ev.name == "message" && strings.Contains(ev.data, "lost live event"))
	}
	if !found {
		t.Fatalf("after the gap: %+v, want the lost message", replayed)
	}
}

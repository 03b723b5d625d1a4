// Package sse writes server-sent events (the text/event-stream format read by
// a browser's EventSource). Stream relays one realtime.Bus topic to a
// browser until the request ends, with a comment line as heartbeat so that
// proxies and browsers keep the connection open. The follower app uses it at
// /events; the console inbox can use it for an account's topic.
package sse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/realtime"
)

// Heartbeat is the interval between keep-alive comments that Herald's pages use.
const Heartbeat = 25 * time.Second

// Writer writes events to one response.
type Writer struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

// ErrNoFlush means the response cannot be streamed.
var ErrNoFlush = errors.New("sse: the response writer cannot flush")

// Start sends the event-stream headers and returns a Writer. retry is the
// reconnection delay browsers should use (0: their default).
func Start(w http.ResponseWriter, retry time.Duration) (*Writer, error) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	sw := &Writer{w: w, rc: http.NewResponseController(w)}
	if retry > 0 {
		if _, err := fmt.Fprintf(w, "retry: %d\n\n", retry.Milliseconds()); err != nil {
			return nil, err
		}
	}
	if err := sw.rc.Flush(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoFlush, err)
	}
	return sw, nil
}

// Event sends one event named name whose data is v encoded as JSON.
func (s *Writer) Event(name string, v any) error { return s.EventID(name, "", v) }

// EventID sends one event with an id, which the browser sends back as
// Last-Event-ID when it reconnects ("" sends none).
func (s *Writer) EventID(name, id string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var sb strings.Builder
	if id != "" {
		sb.WriteString("id: ")
		sb.WriteString(oneLine(id))
		sb.WriteByte('\n')
	}
	if name != "" {
		sb.WriteString("event: ")
		sb.WriteString(oneLine(name))
		sb.WriteByte('\n')
	}
	// JSON has no raw newlines, but stay correct for any input.
	for _, line := range strings.Split(string(b), "\n") {
		sb.WriteString("data: ")
		sb.WriteString(line)
		sb.WriteByte('\n')
	}
	sb.WriteByte('\n')
	if _, err := s.w.Write([]byte(sb.String())); err != nil {
		return err
	}
	return s.rc.Flush()
}

// Comment sends a comment line, which browsers ignore (a heartbeat).
func (s *Writer) Comment(text string) error {
	if _, err := fmt.Fprintf(s.w, ": %s\n\n", oneLine(text)); err != nil {
		return err
	}
	return s.rc.Flush()
}

func oneLine(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// Stream relays the events of topic on bus to the browser as server-sent
// events (event name = the event's Type, data = its JSON) until the request's
// context ends, sending a heartbeat comment every heartbeat. It subscribes
// before the first byte is sent, so nothing published after the browser sees
// the stream open is lost.
func Stream(w http.ResponseWriter, r *http.Request, bus realtime.Bus, topic string, heartbeat time.Duration) error {
	return StreamFrom(w, r, bus, topic, heartbeat, nil)
}

// Replay returns the events stored after lastID (the Last-Event-ID a
// reconnecting browser sent), oldest first, each with its ID. It may
// return events the browser already has (browsers skip what they show);
// more says there were more than it returned, and the browser should
// reload instead.
type Replay func(ctx context.Context, lastID string) (events []realtime.Event, more bool, err error)

// StreamFrom is Stream that, when the browser reconnects with a
// Last-Event-ID (or a page opens it with ?after=<id>), first sends what
// replay finds stored after it: events
// published while the browser was away are not lost, whichever node
// stored them. It subscribes before replaying, so nothing falls between
// the replay and the live events; a live event already replayed is not
// sent twice. When replay reports more than it returned, a "resync" event
// tells the browser to reload its state.
func StreamFrom(w http.ResponseWriter, r *http.Request, bus realtime.Bus, topic string, heartbeat time.Duration, replay Replay) error {
	return StreamResumable(w, r, bus, topic, heartbeat, replay, nil)
}

// Cursor returns the ID of the newest stored event of a stream now.
type Cursor func(ctx context.Context) (string, error)

// StreamResumable is StreamFrom that also replays from ?after=<id> when
// the browser sends no Last-Event-ID: a page gives the point it was
// rendered at, so what was stored between the render and the stream's
// subscription is not lost. On a fresh connection with neither, it gives the
// "ready" event cursor's ID: a browser that then loses the stream before
// any event with an ID reconnects with a Last-Event-ID all the same, and
// gets what was stored meanwhile. A realtime.TypeGap event on the bus
// (this node lost live events of the topic) replays from the last ID sent,
// or tells the browser to resync when there is no replay.
func StreamResumable(w http.ResponseWriter, r *http.Request, bus realtime.Bus, topic string, heartbeat time.Duration, replay Replay, cursor Cursor) error {
	release, ok := take(r)
	if !ok {
		w.Header().Set("Retry-After", "30")
		http.Error(w, "Too many live update streams are open from your address. Close some tabs and reload.", http.StatusTooManyRequests)
		return nil
	}
	defer release()
	events, stop := bus.Subscribe(topic)
	defer stop()
	var replayed map[string]bool
	var backlog []realtime.Event
	more := false
	lastID := r.Header.Get("Last-Event-ID")
	if lastID == "" {
		lastID = r.URL.Query().Get("after")
	}
	readyID := ""
	if lastID != "" && replay != nil {
		var err error
		backlog, more, err = replay(r.Context(), lastID)
		if err != nil {
			return err
		}
	} else if cursor != nil {
		var err error
		if readyID, err = cursor(r.Context()); err != nil {
			return err
		}
		lastID = readyID
	}
	sw, err := Start(w, 3*time.Second)
	if err != nil {
		return err
	}
	for _, ev := range backlog {
		if replayed == nil {
			replayed = map[string]bool{}
		}
		replayed[ev.ID] = true
		if ev.ID != "" {
			lastID = ev.ID
		}
		if err := sw.EventID(ev.Type, ev.ID, ev.Data); err != nil {
			return nil
		}
	}
	if more {
		if err := sw.Event("resync", map[string]any{}); err != nil {
			return nil
		}
	}
	if err := sw.EventID("ready", readyID, map[string]any{}); err != nil {
		return nil
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			if ev.Type == realtime.TypeGap {
				if err := fillGap(r.Context(), sw, replay, &lastID); err != nil {
					return nil
				}
				continue
			}
			if ev.ID != "" && replayed[ev.ID] {
				delete(replayed, ev.ID)
				continue
			}
			if ev.ID != "" {
				lastID = ev.ID
			}
			if err := sw.EventID(ev.Type, ev.ID, ev.Data); err != nil {
				return nil // the browser went away
			}
		case <-tick.C:
			if err := sw.Comment("heartbeat"); err != nil {
				return nil
			}
		}
	}
}

// fillGap sends what replay finds stored after *lastID when live events
// were lost, or a "resync" when it cannot tell (no replay, nothing seen
// yet, more than replay returns). The browser skips what it already has.
func fillGap(ctx context.Context, sw *Writer, replay Replay, lastID *string) error {
	if replay == nil || *lastID == "" {
		return sw.Event("resync", map[string]any{})
	}
	events, more, err := replay(ctx, *lastID)
	if err != nil {
		return sw.Event("resync", map[string]any{})
	}
	for _, ev := range events {
		if ev.ID != "" {
			*lastID = ev.ID
		}
		if err := sw.EventID(ev.Type, ev.ID, ev.Data); err != nil {
			return err
		}
	}
	if more {
		return sw.Event("resync", map[string]any{})
	}
	return nil
}

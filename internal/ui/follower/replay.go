package follower

import (
	"context"
	"strconv"

	"github.com/heraldoa/herald/internal/realtime"
	"github.com/heraldoa/herald/internal/sse"
)

// Replay of a follower's live stream: message events carry the message id
// as their event id, so a browser that reconnects (to this node or any
// other) sends the last one it saw as Last-Event-ID and gets every message
// stored since, from the database rather than from the bus.
const (
	replayLimit = 200
	// replaySlack reaches back before the last id: message ids start with
	// their node's clock, and nodes' clocks may differ by seconds, so a
	// message stored just after the last one seen may carry a smaller id.
	// The browser skips the messages it already shows.
	replaySlack = 60_000 << 22 // one minute of id time
)

func (u *UI) personReplay(personID int64) sse.Replay {
	return func(ctx context.Context, lastID string) ([]realtime.Event, bool, error) {
		last, err := strconv.ParseInt(lastID, 10, 64)
		if err != nil || last <= 0 || u.Messages == nil {
			return nil, false, nil // not one of ours: nothing to replay
		}
		list, err := u.Messages.Since(ctx, personID, max(last-replaySlack, 0), replayLimit+1)
		if err != nil {
			return nil, false, err
		}
		more := len(list) > replayLimit
		if more {
			list = list[:replayLimit]
		}
		out := make([]realtime.Event, len(list))
		for i, m := range list {
			out[i] = realtime.Event{Type: "message", ID: strconv.FormatInt(m.ID, 10), Data: m}
		}
		return out, more, nil
	}
}

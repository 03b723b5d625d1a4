package follower

import (
	"context"
	"strconv"

	"github.com/heraldoa/herald/internal/realtime"
	"github.com/heraldoa/herald/internal/sse"
	"github.com/heraldoa/herald/internal/ui/core"
)

// personReplay replays a follower's live stream (core.MessagesSince): every
// message stored since the last one the browser saw.
func (u *UI) personReplay(personID int64) sse.Replay {
	return func(ctx context.Context, lastID string) ([]realtime.Event, bool, error) {
		last, err := strconv.ParseInt(lastID, 10, 64)
		if err != nil || last <= 0 || u.Messages == nil {
			return nil, false, nil // not one of ours: nothing to replay
		}
		list, more, err := core.MessagesSince(ctx, u.Messages.Since, personID, last)
		if err != nil {
			return nil, false, err
		}
		out := make([]realtime.Event, len(list))
		for i, m := range list {
			out[i] = realtime.Event{Type: "message", ID: strconv.FormatInt(m.ID, 10), Data: m}
		}
		return out, more, nil
	}
}

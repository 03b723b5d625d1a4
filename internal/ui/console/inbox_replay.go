package console

import (
	"context"
	"strconv"

	"github.com/heraldoa/herald/internal/realtime"
	"github.com/heraldoa/herald/internal/sse"
	"github.com/heraldoa/herald/internal/ui/core"
)

// Replay of the inbox's live stream (core.MessagesSince). Message events
// on an account's topic carry the message id as their event id; the
// stream's "ready" event carries the newest one at the time it opened, so a
// console page that reconnects (to this node or any other) always sends a Last-Event-ID and
// gets the messages stored since from the database, then one "inbox" event
// that makes the page reload its queue (takes, transfers and closes made
// meanwhile are not messages). The same replay fills a gap when this node
// lost live events (realtime.TypeGap).
func (u *UI) inboxReplay(accountID int64) sse.Replay {
	return func(ctx context.Context, lastID string) ([]realtime.Event, bool, error) {
		last, err := strconv.ParseInt(lastID, 10, 64)
		if err != nil || last < 0 {
			return nil, false, nil // not one of ours: nothing to replay
		}
		list, more, err := core.MessagesSince(ctx, u.Messages.AccountSince, accountID, last)
		if err != nil {
			return nil, false, err
		}
		out := make([]realtime.Event, 0, len(list)+1)
		for _, m := range list {
			out = append(out, realtime.Event{Type: "message", ID: strconv.FormatInt(m.ID, 10), Data: map[string]any{
				"account_id": m.AccountID, "person_id": m.PersonID, "message": m,
			}})
		}
		out = append(out, realtime.Event{Type: "inbox", Data: map[string]any{"account_id": accountID, "resumed": true}})
		return out, more, nil
	}
}

// inboxCursor is the id of the account's newest live message (0: none).
func (u *UI) inboxCursor(accountID int64) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		id, err := u.Messages.AccountNewest(ctx, accountID)
		return strconv.FormatInt(id, 10), err
	}
}

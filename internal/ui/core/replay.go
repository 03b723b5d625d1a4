package core

import (
	"context"

	"github.com/heraldoa/herald/internal/message"
)

// The replay of a live stream: message events carry the message id as their
// event id, so a browser that reconnects (to this node or any other) sends
// the last one it saw as Last-Event-ID and gets the messages stored since,
// from the database rather than from the bus.
const (
	replayLimit = 200
	// replaySlack reaches back before the last id: message ids start with
	// their node's clock, and nodes' clocks may differ by seconds, so a
	// message stored just after the last one seen may carry a smaller id.
	// The pages skip or reload what they already show.
	replaySlack = 60_000 << 22 // one minute of id time
)

// MessagesSince returns the messages of owner (a person or an account,
// as since reads them) stored after the last id a browser saw, at most a
// page of them, and whether there are more.
func MessagesSince(ctx context.Context, since func(ctx context.Context, owner, afterID int64, limit int) ([]*message.Message, error), owner, last int64) ([]*message.Message, bool, error) {
	list, err := since(ctx, owner, max(last-replaySlack, 0), replayLimit+1)
	if err != nil {
		return nil, false, err
	}
	more := len(list) > replayLimit
	if more {
		list = list[:replayLimit]
	}
	return list, more, nil
}

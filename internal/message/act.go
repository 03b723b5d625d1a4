package message

import (
	"context"

	"github.com/heraldoa/herald/internal/errs"
)

// FollowerEvent is what a follower did other than write a message, as a
// face (the follower app, the emulator, heraldtest) hands it to Act.
type FollowerEvent struct {
	Event  string // EventSubscribe, EventUnsubscribe, EventScan, EventClick, EventView, EventLocation, ...
	Key    string // EventKey: menu key, view URL, QR scene
	Ticket string // QR ticket for subscribe/SCAN by QR
	MenuID string // VIEW: the id of the menu the button belongs to
	// LOCATION reports: where the follower is, and how precisely (metres).
	Lat, Lng, Precision float64
}

// Acted is the outcome of Act.
type Acted struct {
	// Answered is true when the answer finished before Act returned;
	// Replies are then the messages it delivered (none listed when a
	// durable queue answered: they are in the conversation).
	Answered bool
	Replies  []*Message
}

// Act is the one way in for a follower's event (a follow, an unfollow, a
// menu click, a link opened, a scan, a location report): the counterpart
// of Post for messages. It records the event for the person's follow of
// the account (a click, follow or scan opens a short customer-service
// window) and runs the responders, waiting as wait says; an answer nobody
// waits for runs on the service's lifetime (or the durable queue), so that
// Shutdown waits for it.
//
// A person who never followed the account gets errs.NotFound and nothing
// is recorded. An error from the responders comes back with the Acted
// result: the event is recorded all the same.
func (s *Service) Act(ctx context.Context, accountID, personID int64, ev FollowerEvent, wait Wait) (_ *Acted, err error) {
	defer errs.Wrap(&err, "message.Service.Act(%d, %d, %q, %v)", accountID, personID, ev.Event, wait)
	in, err := s.Event(ctx, accountID, personID, ev.Event, ev.Key, ev.Ticket)
	if err != nil {
		return nil, err
	}
	in.MenuID, in.Lat, in.Lng, in.Precision = ev.MenuID, ev.Lat, ev.Lng, ev.Precision
	a := &Acted{}
	a.Replies, a.Answered, err = s.answer(ctx, in, wait)
	return a, err
}

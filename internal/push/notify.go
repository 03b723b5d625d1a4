package push

import (
	"context"
	"errors"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/workq"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
)

// Notify pushes an event that no follower caused — a job's end, such as
// PUBLISHJOBFINISH — to the account's server, signed and encrypted as the
// account's mode says, retried like every push, and recorded in the push
// log (personID may be 0). The server's reply is ignored, as WeChat does
// for these events. It returns nil when the account has no server
// configured.
//
// With a Queue the event is queued instead (the Delivery is then nil): it
// is stored before Notify returns and sent by this node at once, or by
// another node if this one dies first.
func (e *Engine) Notify(ctx context.Context, a *account.Account, msg *wxmsg.Message, personID int64) (*Delivery, error) {
	set, err := e.Store.Get(ctx, a.ID)
	if err != nil || !set.Configured() {
		return nil, err
	}
	if e.Queue != nil {
		plain, err := msg.Marshal()
		if err != nil {
			return nil, err
		}
		_, err = e.Queue.Submit(ctx, JobEvent, a.ID, eventJob{PersonID: personID, XML: string(plain)})
		return nil, err
	}
	d, _ := e.Deliver(ctx, a, set, msg, personID, KindEvent, 0)
	return d, nil
}

// JobEvent is the work-queue kind of a queued event push.
const JobEvent = "push.event"

type eventJob struct {
	PersonID int64  `json:"person_id,omitempty"`
	XML      string `json:"xml"`
}

// Durable registers the engine's handlers on q and makes Notify queue its
// events there.
func (e *Engine) Durable(q *workq.Queue) {
	e.Queue = q
	q.Handle(JobEvent, e.runEvent)
}

// runEvent sends a queued event with the account's current settings,
// exactly the bytes queued (same CreateTime, same MsgID).
func (e *Engine) runEvent(ctx context.Context, j *workq.Job) error {
	var p eventJob
	if err := j.Decode(&p); err != nil {
		return nil // unreadable: nothing to retry
	}
	a, err := e.Accounts.ByID(ctx, j.AccountID)
	if errors.Is(err, db.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	set, err := e.Store.Get(ctx, a.ID)
	if err != nil {
		return err
	}
	if !set.Configured() {
		return nil // push turned off since
	}
	msg, err := wxmsg.ParseMessage([]byte(p.XML))
	if err != nil {
		return nil
	}
	e.deliverXML(ctx, a, set, msg, []byte(p.XML), p.PersonID, KindEvent, 0)
	return ctx.Err()
}

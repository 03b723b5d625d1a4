package push

import (
	"context"
	"errors"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
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
func (e *Engine) Notify(ctx context.Context, a *account.Account, msg *wxmsg.Message, personID int64) (_ *Delivery, err error) {
	defer errs.Wrap(&err, "push.Engine.Notify(%d, %d)", a.ID, personID)
	set, err := e.deps.Store.Get(ctx, a.ID)
	if err != nil || !set.Configured() {
		return nil, err
	}
	if e.deps.Queue != nil {
		plain, err := msg.Marshal()
		if err != nil {
			return nil, err
		}
		_, err = e.deps.Queue.Submit(ctx, JobEvent, a.ID, eventJob{PersonID: personID, XML: string(plain)})
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

// runEvent sends a queued event with the account's current settings,
// exactly the bytes queued (same CreateTime, same MsgID).
func (e *Engine) runEvent(ctx context.Context, j *workq.Job) (err error) {
	defer errs.Wrap(&err, "push.Engine.runEvent(%d, %q)", j.ID, j.Kind)
	var p eventJob
	if err := j.Decode(&p); err != nil {
		return nil // unreadable: nothing to retry
	}
	a, err := e.deps.Accounts.ByID(ctx, j.AccountID)
	if errors.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	set, err := e.deps.Store.Get(ctx, a.ID)
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

// EventBuilder builds, when a queued event is sent, the event for a job's
// payload: the account, the message and the person it concerns (0: none).
// A nil message sends nothing. It runs on whichever node sends the event,
// and must build the same XML every time (CreateTime from stored facts,
// not the clock), so that a retry on another node is the same message.
type EventBuilder func(ctx context.Context, accountID int64, payload []byte) (*account.Account, *wxmsg.Message, int64, error)

// HandleEvent registers kind as an event built at sending time (see
// NotifyTx). Register before the queue runs.
func (e *Engine) HandleEvent(kind string, build EventBuilder) {
	if e.deps.Queue == nil {
		return
	}
	e.deps.Queue.Handle(kind, func(ctx context.Context, j *workq.Job) error {
		a, msg, personID, err := build(ctx, j.AccountID, j.Payload)
		if errors.Is(err, errs.NotFound) {
			return nil // the account or the job is gone: nothing to tell
		}
		if err != nil || msg == nil {
			return err
		}
		set, err := e.deps.Store.Get(ctx, a.ID)
		if err != nil {
			return err
		}
		if !set.Configured() {
			return nil
		}
		e.deliverXML(ctx, a, set, msg, nil, personID, KindEvent, 0)
		return ctx.Err()
	})
}

// NotifyTx stores, in tx, an event of kind (registered with HandleEvent)
// that is built from payload and pushed once tx commits: the event exists
// exactly when what tx records does, so a node that dies right after the
// commit cannot lose it. It returns false without a durable queue (the
// caller then pushes with Notify after the commit).
func (e *Engine) NotifyTx(ctx context.Context, tx *db.Tx, kind string, accountID int64, payload any) (_ bool, err error) {
	defer errs.Wrap(&err, "push.Engine.NotifyTx(%d)", accountID)
	if e.deps.Queue == nil {
		return false, nil
	}
	_, err = e.deps.Queue.SubmitTx(ctx, tx, kind, accountID, payload)
	return err == nil, err
}

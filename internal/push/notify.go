package push

import (
	"context"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
)

// Notify pushes an event that no follower caused — a job's end, such as
// PUBLISHJOBFINISH — to the account's server, signed and encrypted as the
// account's mode says, retried like every push, and recorded in the push
// log (personID may be 0). The server's reply is ignored, as WeChat does
// for these events. It returns nil when the account has no server
// configured.
func (e *Engine) Notify(ctx context.Context, a *account.Account, msg *wxmsg.Message, personID int64) (*Delivery, error) {
	set, err := e.Store.Get(ctx, a.ID)
	if err != nil || !set.Configured() {
		return nil, err
	}
	d, _ := e.Deliver(ctx, a, set, msg, personID, KindEvent, 0)
	return d, nil
}

package push

import (
	"context"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
)

// TemplateSendFinished pushes TEMPLATESENDJOBFINISH for a template message
// sent to openID (personID) by account a, settled at at with status, when the
// account has a developer server. It is the push side of internal/tmplmsg.
func (e *Engine) TemplateSendFinished(ctx context.Context, a *account.Account, openID string, personID, msgID int64, status string, at time.Time) error {
	msg := wxmsg.NewTemplateSendJobFinish(a.OriginalID, openID, at.Unix(), msgID, status)
	// Queued when the engine is durable: the push then survives this node.
	_, err := e.Notify(ctx, a, msg, personID)
	return err
}

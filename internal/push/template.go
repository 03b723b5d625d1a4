package push

import (
	"context"
	"encoding/json"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
)

// TemplateSendFinished pushes TEMPLATESENDJOBFINISH for a template message
// sent to openID (personID) by account a, settled at at with status, when the
// account has a developer server. It is the push side of internal/tmplmsg.
func (e *Engine) TemplateSendFinished(ctx context.Context, a *account.Account, openID string, personID, msgID int64, status string, at time.Time) (err error) {
	defer errs.Wrap(&err, "push.Engine.TemplateSendFinished(%d, %q, %d, %d)", a.ID, openID, personID, msgID)
	msg := wxmsg.NewTemplateSendJobFinish(a.OriginalID, openID, at.Unix(), msgID, status)
	// Queued when the engine is durable: the push then survives this node.
	_, err = e.Notify(ctx, a, msg, personID)
	return err
}

// JobTemplateFinish is the work-queue kind of a TEMPLATESENDJOBFINISH queued
// in the transaction that settles the send.
const JobTemplateFinish = "push.template_finish"

// templateFinishJob holds everything the event says, so every node that
// sends it builds the same XML (same CreateTime, same MsgID).
type templateFinishJob struct {
	OpenID   string `json:"openid"`
	PersonID int64  `json:"person_id,omitempty"`
	MsgID    int64  `json:"msgid"`
	Status   string `json:"status"`
	At       int64  `json:"at"` // unix seconds: the event's CreateTime
}

// TemplateSendFinishedTx queues, in tx, the TEMPLATESENDJOBFINISH of a
// template message settled at at with status: the event exists exactly
// when the settle commits. It reports false when nothing was queued
// because the engine has no durable queue (the caller then pushes with
// TemplateSendFinished after the commit); an account without a developer
// server gets nothing queued and true.
func (e *Engine) TemplateSendFinishedTx(ctx context.Context, tx *db.Tx, accountID int64, openID string, personID, msgID int64, status string, at time.Time) (_ bool, err error) {
	defer errs.Wrap(&err, "push.Engine.TemplateSendFinishedTx(%d, %q, %d, %d)", accountID, openID, personID, msgID)
	if e.deps.Queue == nil {
		return false, nil
	}
	set, err := e.deps.Store.Get(ctx, accountID)
	if err != nil {
		return false, err
	}
	if !set.Configured() {
		return true, nil
	}
	return e.NotifyTx(ctx, tx, JobTemplateFinish, accountID, templateFinishJob{OpenID: openID, PersonID: personID, MsgID: msgID, Status: status, At: at.Unix()})
}

// buildTemplateFinish builds a queued TEMPLATESENDJOBFINISH from its payload.
func (e *Engine) buildTemplateFinish(ctx context.Context, accountID int64, payload []byte) (*account.Account, *wxmsg.Message, int64, error) {
	var p templateFinishJob
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, nil, 0, nil // unreadable: nothing to send
	}
	a, err := e.deps.Accounts.ByID(ctx, accountID)
	if err != nil {
		return nil, nil, 0, err
	}
	return a, wxmsg.NewTemplateSendJobFinish(a.OriginalID, p.OpenID, p.At, p.MsgID, p.Status), p.PersonID, nil
}

package push

import (
	"context"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/subscribemsg"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
)

// KfSessionChanged pushes kf_create_session (to only), kf_switch_session
// (from and to) or kf_close_session (from only) for the conversation of
// openID (personID). It is the push side of internal/kf.
func (e *Engine) KfSessionChanged(ctx context.Context, a *account.Account, openID string, personID int64, at time.Time, from, to string) (err error) {
	defer errs.Wrap(&err, "push.Engine.KfSessionChanged(%d, %q, %d)", a.ID, openID, personID)
	var msg *wxmsg.Message
	switch {
	case from != "" && to != "":
		msg = wxmsg.NewEvent(a.OriginalID, openID, at.Unix(), wxmsg.EventKfSwitchSession)
		msg.FromKfAccount, msg.ToKfAccount = from, to
	case to != "":
		msg = wxmsg.NewEvent(a.OriginalID, openID, at.Unix(), wxmsg.EventKfCreateSession)
		msg.KfAccount = to
	case from != "":
		msg = wxmsg.NewEvent(a.OriginalID, openID, at.Unix(), wxmsg.EventKfCloseSession)
		msg.KfAccount = from
	default:
		return nil
	}
	_, err = e.Notify(ctx, a, msg, personID)
	return err
}

// SubscribeEvent pushes subscribe_msg_popup_event, subscribe_msg_change_event
// or subscribe_msg_sent_event. It is the push side of internal/subscribemsg.
func (e *Engine) SubscribeEvent(ctx context.Context, a *account.Account, openID string, personID int64, at time.Time, ev subscribemsg.Event) (err error) {
	defer errs.Wrap(&err, "push.Engine.SubscribeEvent(%d, %q, %d)", a.ID, openID, personID)
	items := make([]wxmsg.SubscribeMsgItem, 0, len(ev.Items))
	for _, it := range ev.Items {
		items = append(items, wxmsg.SubscribeMsgItem{TemplateID: it.TemplateID, SubscribeStatusString: it.Status, PopupScene: it.PopupScene,
			MsgID: it.MsgID, ErrorCode: it.ErrorCode, ErrorStatus: it.ErrorStatus})
	}
	var msg *wxmsg.Message
	switch ev.Kind {
	case subscribemsg.EventPopup:
		msg = wxmsg.NewEvent(a.OriginalID, openID, at.Unix(), wxmsg.EventSubscribeMsgPopup)
		msg.SubscribeMsgPopupEvent = items
	case subscribemsg.EventChange:
		msg = wxmsg.NewEvent(a.OriginalID, openID, at.Unix(), wxmsg.EventSubscribeMsgChange)
		msg.SubscribeMsgChangeEvent = items
	case subscribemsg.EventSent:
		msg = wxmsg.NewEvent(a.OriginalID, openID, at.Unix(), wxmsg.EventSubscribeMsgSent)
		msg.SubscribeMsgSentEvent = items
	default:
		return nil
	}
	// Queued when the engine is durable: the push then survives this node.
	_, err = e.Notify(ctx, a, msg, personID)
	return err
}

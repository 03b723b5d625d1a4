package analytics

import (
	"context"

	"github.com/heraldoa/herald/internal/message"
)

// Responder captures what followers do from the messaging responder chain:
// follows and unfollows (with the follow's source, "qr" with its scene),
// menu clicks and links (CLICK and VIEW events) and followers' messages (by
// type). Put it first in the chain: it never answers, so every later
// responder still runs. The chain runs after the request has been answered
// (message.Service answers in the background), so capture costs the
// request nothing.
type Responder struct {
	Recorder *Recorder
}

// Respond records in and lets the chain go on.
func (r *Responder) Respond(ctx context.Context, in *message.Inbound) (message.Outcome, error) {
	if r == nil || r.Recorder == nil || in == nil || in.Account == nil || in.Follow == nil {
		return message.Outcome{}, nil
	}
	ev := Event{AccountID: in.Account.ID, PersonID: in.Follow.PersonID}
	switch {
	case in.Message != nil:
		ev.Kind, ev.Surface = KindMessageIn, in.Message.Kind
	case in.Event == message.EventSubscribe:
		ev.Kind, ev.Surface = KindFollow, FollowSource(in.Follow.Source, in.Follow.Scene)
	case in.Event == message.EventUnsubscribe:
		ev.Kind, ev.Surface = KindUnfollow, FollowSource(in.Follow.Source, in.Follow.Scene)
	case in.Event == message.EventClick || in.Event == message.EventView:
		ev.Kind, ev.Surface = KindMenuClick, in.Key
	default:
		return message.Outcome{}, nil
	}
	r.Recorder.Record(ev)
	return message.Outcome{}, nil
}

// FollowSource is the surface of a follow event: the follow's source, with
// the QR code's scene for follows by QR ("qr:spring-fair").
func FollowSource(source, scene string) string {
	if source == "qr" && scene != "" {
		return "qr:" + scene
	}
	return source
}

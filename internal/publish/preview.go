package publish

import (
	"context"
	"errors"
	"strings"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/message"
)

// PreviewTo delivers a mass send's preview to one follower at once (the
// API's mass/preview): a draft as a card whose links open the unpublished
// draft, or the message itself. It returns the preview's msg_id (a small
// public number, from its own counter: no job has it). It takes no quota.
func (s *Store) PreviewTo(ctx context.Context, accountID, personID, pubID int64, msg *MassMessage) (_ int64, err error) {
	defer errs.Wrap(&err, "publish.Store.PreviewTo(%d, %d, %d)", accountID, personID, pubID)
	if s.deps.Messages == nil {
		return 0, errs.Conflictf("Previews cannot be sent on this server.")
	}
	var out []*message.Message
	if pubID != 0 {
		p, err := s.Publication(ctx, accountID, pubID)
		if err != nil {
			return 0, err
		}
		if len(p.Articles) == 0 {
			return 0, errs.Invalidf("Save the draft with at least one article first.")
		}
		out = append(out, &message.Message{Kind: message.KindPublication, Body: previewBody(p)})
	} else {
		if msg == nil || len(msg.Parts) == 0 {
			return 0, errs.Invalidf("The message is empty.")
		}
		for _, b := range msg.Parts {
			out = append(out, &message.Message{Kind: msg.Kind, Body: b})
		}
	}
	for _, m := range out {
		m.AccountID, m.PersonID, m.Direction, m.Sender = accountID, personID, message.Out, message.SenderMass
		if err := s.deps.Messages.Append(ctx, m); err != nil {
			return 0, err
		}
	}
	var msgID int64
	err = s.db.Tx(ctx, func(tx *db.Tx) (err error) {
		msgID, err = db.NextNumber(ctx, tx, counterPreview)
		return err
	})
	return msgID, err
}

// MaxPreviewRecipients bounds one preview send.
const MaxPreviewRecipients = 10

// SendPreview delivers a draft's preview link into the chats of the named
// followers (usernames or this account's openids), who must follow the
// account. It returns how many received it.
func (s *Store) SendPreview(ctx context.Context, accountID, pubID int64, who []string) (_ int, err error) {
	defer errs.Wrap(&err, "publish.Store.SendPreview(%d, %d)", accountID, pubID)
	if s.deps.Messages == nil {
		return 0, errs.Conflictf("Previews cannot be sent on this server.")
	}
	var names []string
	for _, w := range who {
		for _, f := range strings.FieldsFunc(w, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
			names = append(names, strings.TrimPrefix(f, "@"))
		}
	}
	if len(names) == 0 {
		return 0, errs.FieldInvalid("to", "Name at least one follower (username or openid).")
	}
	if len(names) > MaxPreviewRecipients {
		return 0, errs.FieldInvalid("to", "Send a preview to at most %d followers at a time.", MaxPreviewRecipients)
	}
	p, err := s.Publication(ctx, accountID, pubID)
	if err != nil {
		return 0, err
	}
	if len(p.Articles) == 0 {
		return 0, errs.Invalidf("Save the draft with at least one article first.")
	}
	var people []int64
	for _, n := range names {
		var personID int64
		err := db.Get(s.db.QueryRow(ctx, `SELECT f.person_id FROM follows f LEFT JOIN people pe ON pe.id = f.person_id
			WHERE f.account_id = ? AND f.following = TRUE AND f.blocked = FALSE AND (f.openid = ? OR pe.username = ?)`, accountID, n, strings.ToLower(n)), &personID)
		if errors.Is(err, errs.NotFound) {
			return 0, errs.FieldInvalid("to", "%q does not follow this account (or is blacklisted).", n)
		}
		if err != nil {
			return 0, err
		}
		people = append(people, personID)
	}
	body := previewBody(p)
	for _, personID := range people {
		m := &message.Message{AccountID: accountID, PersonID: personID, Direction: message.Out, Kind: message.KindPublication, Sender: message.SenderMass, Body: body}
		if err := s.deps.Messages.Append(ctx, m); err != nil {
			return 0, err
		}
	}
	return len(people), nil
}

// previewBody is the card of a draft's preview: its links open the
// unpublished draft.
func previewBody(p *Publication) message.Body {
	body := message.Body{PublicationID: p.ID, Title: "[Preview] " + p.Articles[0].Title, Description: p.Articles[0].Digest, URL: p.PreviewPath(p.Articles[0].ID)}
	for _, a := range p.Articles {
		body.Articles = append(body.Articles, message.Article{Title: a.Title, Description: a.Digest, URL: p.PreviewPath(a.ID), PicURL: a.CoverURL()})
	}
	return body
}

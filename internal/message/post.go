package message

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/media"
)

// Incoming is what a follower sends, as a face (the follower app, the
// emulator, heraldtest) hands it to Post.
type Incoming struct {
	Kind string
	// Body holds the text, location or link. For image, voice and video it
	// may carry a title; the file comes in File.
	Body Body
	// File is the image, voice or video, checked by its content and size
	// before it is stored.
	File io.Reader
}

// Wait says how long Post (and Answer) wait for the account's answer.
type Wait time.Duration

const (
	// NoWait answers in the background: queued, when the service is
	// durable, so that another node answers if this one dies.
	NoWait Wait = 0
	// WaitForAnswer answers before returning, with the replies delivered.
	WaitForAnswer Wait = -1
)

// WaitUpTo waits at most d for the answer; an answer still running then
// goes on in the background.
func WaitUpTo(d time.Duration) Wait { return Wait(d) }

// Posted is the outcome of Post.
type Posted struct {
	Message *Message
	// Answered is true when the answer finished before Post returned;
	// Replies are then the messages it delivered.
	Answered bool
	Replies  []*Message
}

// mediaKinds are the file rules of the follower's media messages.
var mediaKinds = map[string]media.Kind{KindImage: media.Image, KindVoice: media.Voice, KindVideo: media.Video}

// Post is the one way in for a follower's message. It checks that the
// person follows the account, is not blacklisted and that the account can
// receive messages; validates the message; stores its file (removed again
// if the message cannot be stored); stores the message (which opens the
// customer-service window) and runs the responders, waiting as wait says.
//
// Errors from the rules are *errs.Error; those about one form field carry
// the field's name ("text", "lat", "image", ...). An error from the
// responders comes back with the Posted message: the follower's message is
// stored all the same.
func (s *Service) Post(ctx context.Context, accountID, personID int64, in Incoming, wait Wait) (*Posted, error) {
	body := in.Body
	kind, isMedia := mediaKinds[in.Kind]
	if isMedia {
		// The file is checked and stored last: nothing is stored for a
		// message that breaks a rule.
		body.MediaKey, body.MediaType = "", ""
		if in.File == nil {
			return nil, errs.FieldInvalid(in.Kind, "%s", missingFile[in.Kind])
		}
	} else if err := ValidateInbound(in.Kind, body); err != nil {
		return nil, err
	}
	a, f, err := s.participants(ctx, accountID, personID)
	if err != nil {
		return nil, err
	}
	if err := checkReceiving(a); err != nil {
		return nil, err
	}
	if in.Kind == KindLocation && body.Label == "" {
		body.Label = fmt.Sprintf("%.5f, %.5f", body.Lat, body.Lng)
	}
	if isMedia {
		if s.Media == nil {
			return nil, errors.New("message: no media store to keep the follower's file")
		}
		saved, err := media.Save(ctx, s.Media, fmt.Sprintf("chat/%d", accountID), kind, in.File)
		if err != nil {
			var e *errs.Error
			if errors.As(err, &e) && e.Kind == errs.KindInvalid {
				return nil, errs.FieldInvalid(in.Kind, "%s", e.Message)
			}
			return nil, err
		}
		body.MediaKey, body.MediaType = saved.Key, saved.ContentType
	}
	m, err := s.store(ctx, accountID, personID, in.Kind, body)
	if err != nil {
		if isMedia {
			// Not a message: keep no file for it.
			if derr := s.Media.Delete(context.WithoutCancel(ctx), body.MediaKey); derr != nil {
				s.Log.Error("remove the file of a message not stored", slog.String("key", body.MediaKey), slog.Any("error", derr))
			}
		}
		return nil, err
	}
	p := &Posted{Message: m}
	p.Replies, p.Answered, err = s.Answer(ctx, &Inbound{Account: a, Follow: f, Message: m}, wait)
	return p, err
}

// missingFile says what a media message without its file lacks.
var missingFile = map[string]string{
	KindImage: "Choose an image to send.",
	KindVoice: "Record a voice message first.",
	KindVideo: "Choose a video to send.",
}

// Answer runs the responders for in (a message Post stored, or an event
// from Event) and delivers their replies, waiting as wait says. answered
// is true when they finished in time; replies are then what they
// delivered.
func (s *Service) Answer(ctx context.Context, in *Inbound, wait Wait) (replies []*Message, answered bool, err error) {
	switch {
	case wait == NoWait:
		s.RespondAsync(in)
		return nil, false, nil
	case wait < 0:
		replies, err = s.Respond(ctx, in)
		return replies, true, err
	}
	type result struct {
		replies []*Message
		err     error
	}
	done := make(chan result, 1)
	go func() {
		// The answer outlives the wait (and the request that asked for it).
		ms, err := s.Respond(context.WithoutCancel(ctx), in)
		if err != nil {
			s.Log.Error("deliver replies", slog.Int64("account_id", in.Account.ID), slog.Any("error", err))
		}
		done <- result{ms, err}
	}()
	t := time.NewTimer(time.Duration(wait))
	defer t.Stop()
	select {
	case r := <-done:
		return r.replies, true, r.err
	case <-t.C:
	case <-ctx.Done():
	}
	return nil, false, nil
}

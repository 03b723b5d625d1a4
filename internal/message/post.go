package message

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"sync"
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
	// Thumb is a video's cover (JPEG or PNG up to 64 KB), for the push's
	// ThumbMediaId. Without one the video gets a plain placeholder cover.
	Thumb io.Reader
}

// Wait says how long Post and Act wait for the account's answer.
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
	// Replies are then the messages it delivered (none listed when a
	// durable queue answered: they are in the conversation).
	Answered bool
	Replies  []*Message
}

// mediaKinds are the file rules of the follower's media messages.
var mediaKinds = map[string]media.Kind{KindImage: media.Image, KindVoice: media.RecordedVoice, KindVideo: media.Video}

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
func (s *Service) Post(ctx context.Context, accountID, personID int64, in Incoming, wait Wait) (_ *Posted, err error) {
	defer errs.Wrap(&err, "message.Service.Post(%d, %d, %v)", accountID, personID, wait)
	body := in.Body
	// Files are only ever the ones stored here.
	body.MediaKey, body.MediaType, body.ThumbKey, body.ThumbType = "", "", "", ""
	kind, isMedia := mediaKinds[in.Kind]
	if isMedia {
		// The file is checked and stored last: nothing is stored for a
		// message that breaks a rule.
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
		if err := s.saveFiles(ctx, accountID, in, kind, &body); err != nil {
			return nil, err
		}
	}
	m, err := s.store(ctx, accountID, personID, in.Kind, body)
	if err != nil {
		// Not a message: keep no file for it.
		s.removeFiles(context.WithoutCancel(ctx), body)
		return nil, err
	}
	p := &Posted{Message: m}
	p.Replies, p.Answered, err = s.answer(ctx, &Inbound{Account: a, Follow: f, Message: m}, wait)
	return p, err
}

// missingFile says what a media message without its file lacks.
var missingFile = map[string]string{
	KindImage: "Choose an image to send.",
	KindVoice: "Record a voice message first.",
	KindVideo: "Choose a video to send.",
}

// saveFiles checks and stores a media message's file, and a video's
// cover, setting their keys and types in b.
func (s *Service) saveFiles(ctx context.Context, accountID int64, in Incoming, kind media.Kind, b *Body) error {
	prefix := fmt.Sprintf("chat/%d", accountID)
	saved, err := media.Save(ctx, s.Media, prefix, kind, in.File)
	if err != nil {
		return fieldError(in.Kind, err)
	}
	b.MediaKey, b.MediaType = saved.Key, saved.ContentType
	if in.Kind != KindVideo {
		return nil
	}
	cover := in.Thumb
	if cover == nil {
		cover = bytes.NewReader(placeholderCover())
	}
	thumb, err := media.Save(ctx, s.Media, prefix, media.Thumb, cover)
	if err != nil {
		s.removeFiles(context.WithoutCancel(ctx), *b)
		return fieldError(in.Kind, err)
	}
	b.ThumbKey, b.ThumbType = thumb.Key, thumb.ContentType
	return nil
}

// fieldError puts a refused file's explanation next to its form field.
func fieldError(field string, err error) error {
	var e *errs.Error
	if errors.As(err, &e) && e.Kind == errs.KindInvalid {
		return errs.FieldInvalid(field, "%s", e.Message)
	}
	return err
}

// removeFiles deletes the files of a message that was not stored.
func (s *Service) removeFiles(ctx context.Context, b Body) {
	for _, key := range []string{b.MediaKey, b.ThumbKey} {
		if key == "" {
			continue
		}
		if err := s.Media.Delete(ctx, key); err != nil {
			s.Log.Error("remove the file of a message not stored", slog.String("key", key), slog.Any("error", err))
		}
	}
}

// placeholderCover is the cover of a video sent without one: a dark
// 160×90 JPEG with a light "play" triangle.
var placeholderCover = sync.OnceValue(func() []byte {
	const w, h = 160, 90
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := uint8(48)
			// A triangle pointing right, centred.
			dx, dy := x-w/2+12, y-h/2
			if dx >= 0 && dx <= 28 && 2*abs(dy) <= 28-dx {
				c = 220
			}
			img.SetGray(x, y, color.Gray{Y: c})
		}
	}
	var out bytes.Buffer
	_ = jpeg.Encode(&out, img, &jpeg.Options{Quality: 70})
	return out.Bytes()
})

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// answer runs the responders for in (a message Post stored, or an event
// Act recorded) and delivers their replies, waiting as wait says. answered
// is true when they finished in time; replies are then what they
// delivered, except with a durable queue and a bounded wait: the answer is
// then a queued job like respondAsync's (so another node answers if this
// one dies while the page waits), and its replies are in the conversation,
// not returned.
func (s *Service) answer(ctx context.Context, in *Inbound, wait Wait) (replies []*Message, answered bool, err error) {
	defer errs.Wrap(&err, "message.Service.answer(%v)", wait)
	switch {
	case wait == NoWait:
		s.respondAsync(in)
		return nil, false, nil
	case wait < 0:
		replies, err = s.Respond(ctx, in)
		return replies, true, err
	}
	if s.queue != nil {
		_, done, err := s.queue.SubmitWait(context.WithoutCancel(ctx), JobRespond, in.Account.ID, s.respondPayload(in))
		if err == nil {
			t := time.NewTimer(time.Duration(wait))
			defer t.Stop()
			select {
			case <-done:
				return nil, true, nil
			case <-t.C:
			case <-ctx.Done():
			}
			return nil, false, nil
		}
		s.Log.Error("queue a reply; answering from memory", slog.Any("error", err))
	}
	type result struct {
		replies []*Message
		err     error
	}
	done := make(chan result, 1)
	s.answering.Add(1)
	actx, release := s.owned(ctx)
	go func() {
		defer s.answering.Done()
		defer release()
		// The answer outlives the wait (and the request that asked for
		// it), not the service.
		ms, err := s.Respond(actx, in)
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

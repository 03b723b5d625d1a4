package message_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/message"
)

// keyLog is a media store that remembers the keys put into it and can run
// a hook after each put.
type keyLog struct {
	*media.Memory
	mu    sync.Mutex
	keys  []string
	onPut func()
}

func (k *keyLog) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	n, err := k.Memory.Put(ctx, key, r)
	k.mu.Lock()
	k.keys = append(k.keys, key)
	k.mu.Unlock()
	if k.onPut != nil {
		k.onPut()
	}
	return n, err
}

// stored reports which of the keys put are still in the store.
func (k *keyLog) stored() []string {
	var out []string
	for _, key := range k.keys {
		if f, err := k.Memory.Open(context.Background(), key); err == nil {
			f.Close()
			out = append(out, key)
		}
	}
	return out
}

func pngFile(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func fieldOf(err error) string {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// Post owns the rules of a follower's message: who may send, what is
// valid (each problem names its field), and the file, which is stored only
// for a message that is stored too.
func TestPostRulesAndFiles(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	store := &keyLog{Memory: media.NewMemory()}
	f.svc.Media = store
	a, p := f.service.ID, f.person.ID
	post := func(in message.Incoming) (*message.Posted, error) {
		return f.svc.Post(ctx, a, p, in, message.WaitForAnswer)
	}

	for _, c := range []struct {
		in    message.Incoming
		field string
	}{
		{message.Incoming{Kind: message.KindText, Body: message.Body{Text: "   "}}, "text"},
		{message.Incoming{Kind: message.KindLocation, Body: message.Body{Lat: 91, Lng: 0}}, "lat"},
		{message.Incoming{Kind: message.KindLocation, Body: message.Body{Lat: 0, Lng: 0 / zero()}}, "lng"},
		{message.Incoming{Kind: message.KindLink, Body: message.Body{Title: "x", URL: "javascript:alert(1)"}}, "url"},
		{message.Incoming{Kind: message.KindLink, Body: message.Body{URL: "https://example.com/"}}, "title"},
		{message.Incoming{Kind: message.KindImage}, "image"},
		{message.Incoming{Kind: message.KindImage, File: bytes.NewReader([]byte("%PDF-1.4 not an image"))}, "image"},
	} {
		if _, err := post(c.in); fieldOf(err) != c.field {
			t.Errorf("post %s %+v: %v (field %q), want a %q error", c.in.Kind, c.in.Body, err, fieldOf(err), c.field)
		}
	}
	if got := store.stored(); len(got) != 0 {
		t.Fatalf("files kept for refused messages: %v", got)
	}

	// A location without a name is named by its coordinates.
	pl, err := post(message.Incoming{Kind: message.KindLocation, Body: message.Body{Lat: 22.54321, Lng: 114.05678}})
	if err != nil || pl.Message.Body.Label != "22.54321, 114.05678" {
		t.Fatalf("location: %+v %v", pl, err)
	}
	// An image is stored under the conversation's account with its sniffed type.
	pi, err := post(message.Incoming{Kind: message.KindImage, File: bytes.NewReader(pngFile(t))})
	if err != nil || pi.Message.Body.MediaType != "image/png" || len(store.stored()) != 1 {
		t.Fatalf("image: %+v %v, stored %v", pi, err, store.stored())
	}

	// A message that cannot be stored leaves no file behind.
	cctx, cancel := context.WithCancel(ctx)
	store.onPut = cancel
	if _, err := f.svc.Post(cctx, a, p, message.Incoming{Kind: message.KindImage, File: bytes.NewReader(pngFile(t))}, message.WaitForAnswer); err == nil {
		t.Fatal("post with its request gone while storing: no error")
	}
	store.onPut = nil
	if got := store.stored(); len(got) != 1 || got[0] != pi.Message.Body.MediaKey {
		t.Fatalf("files after a failed store: %v, want only %s", got, pi.Message.Body.MediaKey)
	}

	// Nothing is stored for someone who may not send: no file either.
	if _, err := f.follows.Unfollow(ctx, a, p); err != nil {
		t.Fatal(err)
	}
	if _, err := post(message.Incoming{Kind: message.KindImage, File: bytes.NewReader(pngFile(t))}); !errors.Is(err, errs.Forbidden) {
		t.Fatalf("image from a person who unfollowed: %v", err)
	}
	if got := store.stored(); len(got) != 1 {
		t.Fatalf("a file was kept for a person who may not send: %v", got)
	}
}

func zero() float64 { return 0 }

// slow is a responder that answers when released.
type slow struct{ release chan struct{} }

func (s slow) Respond(ctx context.Context, in *message.Inbound) (message.Outcome, error) {
	<-s.release
	return message.Outcome{Handled: true, Replies: []message.Reply{{Kind: message.KindText, Sender: message.SenderAutoReply, Body: message.Body{Text: "late"}}}}, nil
}

// The wait is the face's choice: the answer before returning, at most a
// while, or in the background; the answer comes in every case.
func TestPostWaits(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	release := make(chan struct{})
	f.answeredBy(slow{release})
	text := message.Incoming{Kind: message.KindText, Body: message.Body{Text: "hi"}}

	pw, err := f.svc.Post(ctx, f.service.ID, f.person.ID, text, message.WaitUpTo(20*time.Millisecond))
	if err != nil || pw.Answered || pw.Replies != nil || pw.Message == nil {
		t.Fatalf("short wait on a slow answer: %+v %v", pw, err)
	}
	pn, err := f.svc.Post(ctx, f.service.ID, f.person.ID, text, message.NoWait)
	if err != nil || pn.Answered {
		t.Fatalf("no wait: %+v %v", pn, err)
	}
	close(release)
	pa, err := f.svc.Post(ctx, f.service.ID, f.person.ID, text, message.WaitForAnswer)
	if err != nil || !pa.Answered || len(pa.Replies) != 1 || pa.Replies[0].Body.Text != "late" {
		t.Fatalf("wait for the answer: %+v %v", pa, err)
	}
	// The two answers left running arrive too.
	deadline := time.Now().Add(5 * time.Second)
	for {
		hist, _ := f.svc.Store.History(ctx, f.service.ID, f.person.ID, 0, 10)
		late := 0
		for _, m := range hist {
			if m.Body.Text == "late" {
				late++
			}
		}
		if late == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("answers delivered: %d, want 3", late)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Answers left running in the background are owned by the service: Wait
// returns once they are delivered (shutdown waits for them).
func TestWaitOwnsBackgroundAnswers(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	release := make(chan struct{})
	f.answeredBy(slow{release})
	text := message.Incoming{Kind: message.KindText, Body: message.Body{Text: "hi"}}
	if _, err := f.svc.Post(ctx, f.service.ID, f.person.ID, text, message.NoWait); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Post(ctx, f.service.ID, f.person.ID, text, message.WaitUpTo(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	go func() { f.svc.Wait(); close(waited) }()
	select {
	case <-waited:
		t.Fatal("Wait returned while two answers were still running")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-waited
	hist, _ := f.svc.Store.History(ctx, f.service.ID, f.person.ID, 0, 10)
	late := 0
	for _, m := range hist {
		if m.Body.Text == "late" {
			late++
		}
	}
	if late != 2 {
		t.Fatalf("%d answers delivered when Wait returned, want 2", late)
	}
}

// Package heraldtest starts a complete Herald in-process for tests outside
// this module (SDK compatibility tests, developers' own bot tests): a real
// HTTP listener on 127.0.0.1, a fresh database (SQLite in a temporary
// directory, or PostgreSQL when HERALD_TEST_DATABASE_URL is set), and two
// active, verified accounts with developer credentials and followers.
//
//	h := heraldtest.New(t)
//	svc := h.Service // AppID, AppSecret, OriginalID, Followers
//	// point an SDK at h.URL, then make a follower act:
//	replies, err := h.Send(svc, svc.Followers[0], "hello")
//
// Follower actions run the same services the follower app uses, and wait
// until the account has answered (developer server or auto-reply), so a
// test can check the replies at once.
package heraldtest

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/emulator"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/push"
	"github.com/heraldoa/herald/internal/user"
)

// Herald is one running instance.
type Herald struct {
	// URL is the base address, e.g. http://127.0.0.1:43127: the API base
	// for SDKs (it serves /cgi-bin/..., ignoring the Host) and the web app.
	URL string
	// Service and Subscription are active, verified accounts with three
	// followers each.
	Service, Subscription *Account

	s *apptest.Server
	t testing.TB
	n int
}

// Account is an Official Account with its developer credentials.
type Account struct {
	ID         int64
	Name       string
	AppID      string
	AppSecret  string
	OriginalID string // gh_...
	Followers  []*Follower
}

// Follower is a person following an account.
type Follower struct {
	PersonID int64
	Name     string
	OpenID   string // this account's openid for the person
}

// Message is one message of a conversation, as the follower sees it.
type Message struct {
	Direction string // "in" (follower → account) or "out"
	Kind      string // text, image, voice, video, news, music, notice, ...
	Sender    string // follower, developer, api, autoreply, system, ...
	Text      string
	Title     string
	URL       string
	MediaID   string
}

// New starts Herald; it stops when the test ends.
func New(t testing.TB) *Herald {
	t.Helper()
	return NewWith(t, app.Options{})
}

// NewWith is New on an application built with opts: for Herald's own
// tests, which tune its engines (a push timeout, an outbound client).
func NewWith(t testing.TB, opts app.Options) *Herald {
	t.Helper()
	h := &Herald{s: apptest.NewWith(t, opts), t: t}
	h.URL = h.s.URL
	h.Service = h.NewAccount("Herald Test Service", account.Service, true)
	h.Subscription = h.NewAccount("Herald Test Subscription", account.Subscription, true)
	for _, a := range []*Account{h.Service, h.Subscription} {
		for i := 0; i < 3; i++ {
			h.NewFollower(a)
		}
	}
	return h
}

// NewAccount creates an active account ("service" or "subscription") with
// credentials; verified gives it the verification for a year.
func (h *Herald) NewAccount(name, typ string, verified bool) *Account {
	h.t.Helper()
	a, c, err := emulator.SeedAccount(context.Background(), h.s.App, name, typ, verified)
	if err != nil {
		h.t.Fatalf("heraldtest: %v", err)
	}
	return &Account{ID: a.ID, Name: name, AppID: c.AppID, AppSecret: c.AppSecret, OriginalID: c.OriginalID}
}

// NewFollower creates a person who follows the account (without a
// subscribe event; use Follow for one).
func (h *Herald) NewFollower(a *Account) *Follower {
	h.t.Helper()
	h.n++
	f := h.NewPerson(fmt.Sprintf("follower%d", h.n))
	res, err := h.s.App.Follows.Follow(context.Background(), a.ID, f.PersonID, follow.SourceSearch, "")
	if err != nil {
		h.t.Fatalf("heraldtest: %v", err)
	}
	f.OpenID = res.OpenID
	a.Followers = append(a.Followers, f)
	return f
}

// NewPerson creates a person who follows nobody yet.
func (h *Herald) NewPerson(username string) *Follower {
	h.t.Helper()
	p, err := h.s.App.Users.Create(context.Background(), user.NewPerson{Username: username, DisplayName: username,
		Password: "heraldtest password", PlatformRole: user.RoleNone})
	if err != nil {
		h.t.Fatalf("heraldtest: %v", err)
	}
	return &Follower{PersonID: p.ID, Name: username}
}

// Advance moves Herald's clock forward (tokens, media and windows expire).
func (h *Herald) Advance(d time.Duration) { h.s.Clock.Advance(d) }

// SetServer configures (mode "plaintext", "compatible" or "safe") and
// enables message push to a developer server, after the same echostr
// handshake the console runs; an empty url turns push off.
func (h *Herald) SetServer(a *Account, url, token, encodingAESKey, mode string) error {
	ctx := context.Background()
	app := h.s.App
	set := &push.Settings{AccountID: a.ID, URL: url, Token: token, AESKey: encodingAESKey, Mode: mode, Enabled: url != ""}
	if err := push.Validate(set); err != nil {
		return err
	}
	verified := false
	if set.Enabled {
		acc, err := app.Accounts.ByID(ctx, a.ID)
		if err != nil {
			return err
		}
		if _, err := app.Push.Verify(ctx, acc, set); err != nil {
			return err
		}
		verified = true
	}
	if err := app.DevSettings.Save(ctx, set, verified); err != nil {
		return err
	}
	app.API.ForgetAccount(a.ID)
	return nil
}

func convert(ms []*message.Message) []Message {
	out := make([]Message, 0, len(ms))
	for _, m := range ms {
		x := Message{Direction: m.Direction, Kind: m.Kind, Sender: m.Sender, Text: m.Body.Text, Title: m.Body.Title, URL: m.Body.URL, MediaID: m.Body.MediaID}
		if len(m.Body.Articles) > 0 {
			x.Title, x.URL = m.Body.Articles[0].Title, m.Body.Articles[0].URL
		}
		out = append(out, x)
	}
	return out
}

// act makes the follower do ev and returns the replies delivered to them.
func (h *Herald) act(ctx context.Context, a *Account, f *Follower, ev message.FollowerEvent) ([]Message, error) {
	acted, err := h.s.App.Chat.Act(ctx, a.ID, f.PersonID, ev, message.WaitForAnswer)
	if acted == nil {
		return nil, err
	}
	return convert(acted.Replies), err
}

// post makes the follower send a message and returns the replies
// delivered to them.
func (h *Herald) post(a *Account, f *Follower, in message.Incoming) ([]Message, error) {
	p, err := h.s.App.Chat.Post(context.Background(), a.ID, f.PersonID, in, message.WaitForAnswer)
	if p == nil {
		return nil, err
	}
	return convert(p.Replies), err
}

// Send makes the follower send a text message and returns the replies
// delivered to them.
func (h *Herald) Send(a *Account, f *Follower, text string) ([]Message, error) {
	return h.post(a, f, message.Incoming{Kind: message.KindText, Body: message.Body{Text: text}})
}

// SendLocation makes the follower share a location.
func (h *Herald) SendLocation(a *Account, f *Follower, lat, lng float64, label string) ([]Message, error) {
	return h.post(a, f, message.Incoming{Kind: message.KindLocation, Body: message.Body{Lat: lat, Lng: lng, Scale: 15, Label: label}})
}

// SendLink makes the follower share a link.
func (h *Herald) SendLink(a *Account, f *Follower, title, description, url string) ([]Message, error) {
	return h.post(a, f, message.Incoming{Kind: message.KindLink, Body: message.Body{Title: title, Description: description, URL: url}})
}

// SendImage makes the follower send an image (PNG or JPEG bytes).
func (h *Herald) SendImage(a *Account, f *Follower, img []byte) ([]Message, error) {
	return h.post(a, f, message.Incoming{Kind: message.KindImage, File: bytes.NewReader(img)})
}

// SendVoice makes the follower send a voice message: the file as recorded
// (AMR, MP3, WAV, or Opus in WebM or Ogg as browsers record it).
func (h *Herald) SendVoice(a *Account, f *Follower, voice []byte) ([]Message, error) {
	return h.post(a, f, message.Incoming{Kind: message.KindVoice, File: bytes.NewReader(voice)})
}

// SendVideo makes the follower send an MP4 video with its cover (a JPEG or
// PNG up to 64 KB; nil: a placeholder cover).
func (h *Herald) SendVideo(a *Account, f *Follower, mp4, cover []byte) ([]Message, error) {
	in := message.Incoming{Kind: message.KindVideo, File: bytes.NewReader(mp4)}
	if cover != nil {
		in.Thumb = bytes.NewReader(cover)
	}
	return h.post(a, f, in)
}

// Follow makes the person follow the account (with a QR scene when scene
// is not ""), producing a subscribe event; f.OpenID is set.
func (h *Herald) Follow(a *Account, f *Follower, scene, ticket string) ([]Message, error) {
	ctx := context.Background()
	source := follow.SourceSearch
	if scene != "" {
		source = follow.SourceQR
	}
	res, err := h.s.App.Follows.Follow(ctx, a.ID, f.PersonID, source, scene)
	if err != nil {
		return nil, err
	}
	f.OpenID = res.OpenID
	return h.act(ctx, a, f, message.FollowerEvent{Event: message.EventSubscribe, Key: scene, Ticket: ticket})
}

// Unfollow makes the follower unfollow, producing an unsubscribe event.
func (h *Herald) Unfollow(a *Account, f *Follower) error {
	ctx := context.Background()
	if _, err := h.s.App.Follows.Unfollow(ctx, a.ID, f.PersonID); err != nil {
		return err
	}
	_, err := h.act(ctx, a, f, message.FollowerEvent{Event: message.EventUnsubscribe})
	return err
}

// Scan makes a follower scan a parametric QR code of the account (a SCAN
// event with the scene); use Follow with a scene for a new follower.
func (h *Herald) Scan(a *Account, f *Follower, scene, ticket string) ([]Message, error) {
	return h.act(context.Background(), a, f, message.FollowerEvent{Event: message.EventScan, Key: scene, Ticket: ticket})
}

// Click makes the follower tap a menu click button (CLICK event).
func (h *Herald) Click(a *Account, f *Follower, key string) ([]Message, error) {
	return h.act(context.Background(), a, f, message.FollowerEvent{Event: message.EventClick, Key: key})
}

// View makes the follower open a menu link button (VIEW event).
func (h *Herald) View(a *Account, f *Follower, url string) ([]Message, error) {
	return h.act(context.Background(), a, f, message.FollowerEvent{Event: message.EventView, Key: url})
}

// Conversation returns the follower's conversation with the account,
// oldest first.
func (h *Herald) Conversation(a *Account, f *Follower) ([]Message, error) {
	ms, err := h.s.App.Messages.History(context.Background(), a.ID, f.PersonID, 0, 200)
	if err != nil {
		return nil, err
	}
	return convert(ms), nil
}

// Suspend suspends the account (its API calls then fail with 50007).
func (h *Herald) Suspend(a *Account) error {
	_, err := h.s.App.DB.Exec(context.Background(), `UPDATE accounts SET status = 'suspended' WHERE id = ?`, a.ID)
	h.s.App.API.ForgetAccount(a.ID)
	return err
}

// Internal returns the underlying test server, for Herald's own tests
// (its type is internal to the Herald module).
func (h *Herald) Internal() *apptest.Server { return h.s }

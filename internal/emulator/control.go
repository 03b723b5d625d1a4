package emulator

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/outbound"
	"github.com/heraldoa/herald/internal/user"
)

// Prefix is the control API's path prefix.
const Prefix = "/_emulator/"

// Emulator drives one App: its seeded accounts, their followers, the
// clock and the faults armed on each account.
type Emulator struct {
	App   *app.App
	Clock *clock.Offset
	// Account is the default account of the control API: the first one.
	Account *Account

	mu       sync.Mutex
	n        int
	accounts []*Account
	faults   map[int64]*armed // by account id
	editor   int64            // the person who publishes through the control API
}

// New returns the emulator of a, whose clock must be c, with acc (when not
// nil) as its first account. For the push faults to apply, a's push engine
// must have been built with pushes, from PushClient (nil: no push faults).
func New(a *app.App, c *clock.Offset, acc *Account, pushes *http.Client) *Emulator {
	e := &Emulator{App: a, Clock: c, faults: map[int64]*armed{}}
	if acc != nil {
		e.register(acc)
	}
	if pushes == nil {
		return e
	}
	if t, ok := pushes.Transport.(*pushTransport); ok {
		t.e.Store(e)
	}
	return e
}

// PushClient is the client to build the app's push engine with
// (app.Options.PushClient) so that the emulator New returns can inject its
// push faults. The faults wrap base, the outbound policy's transport: the
// bot must still be at an address the policy allows (loopback, by default).
func PushClient(base http.RoundTripper) *http.Client {
	return &http.Client{Transport: &pushTransport{base: base}, CheckRedirect: outbound.NoRedirects}
}

// Handler wraps the application's handler: the control API under Prefix,
// and the developer API with API faults applied.
func (e *Emulator) Handler(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+Prefix+"followers", e.createFollower)
	mux.HandleFunc("POST "+Prefix+"followers/{id}/{action}", e.act)
	mux.HandleFunc("GET "+Prefix+"followers/{id}/chat", e.chat)
	mux.HandleFunc("GET "+Prefix+"followers/{id}/folder", e.folder)
	mux.HandleFunc("POST "+Prefix+"followers/{id}/read", e.article(false))
	mux.HandleFunc("POST "+Prefix+"followers/{id}/like", e.article(true))
	mux.HandleFunc("POST "+Prefix+"followers/{id}/comment", e.comment)
	mux.HandleFunc("POST "+Prefix+"publish", e.publish)
	mux.HandleFunc("POST "+Prefix+"clock/advance", e.advance)
	mux.HandleFunc("GET "+Prefix+"account", e.getAccount)
	mux.HandleFunc("GET "+Prefix+"accounts", e.listAccounts)
	mux.HandleFunc("POST "+Prefix+"accounts", e.createAccount)
	mux.HandleFunc("GET "+Prefix+"faults", e.getFaults)
	mux.HandleFunc("POST "+Prefix+"faults", e.setFaults)
	mux.HandleFunc("POST "+Prefix+"faults/invalidate-token", e.invalidateToken)
	mux.HandleFunc("POST "+Prefix+"faults/exhaust-quota", e.exhaustQuota)
	e.routeBlindSpots(mux)
	mux.HandleFunc(Prefix, func(w http.ResponseWriter, r *http.Request) { fail(w, 404, "unknown emulator endpoint") })
	mux.Handle("/", e.apiFaults(next))
	return mux
}

// noPassword returns a password hash for virtual followers: a well-formed
// argon2id hash of random bytes, which no password matches (signing in as
// one answers "do not match").
func noPassword() string {
	salt, key := make([]byte, 16), make([]byte, 32)
	_, _ = rand.Read(salt)
	_, _ = rand.Read(key)
	b64 := base64.RawStdEncoding
	return "$argon2id$v=19$m=19456,t=2,p=1$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(key)
}

// Follower is a virtual follower.
type Follower struct {
	PersonID  int64  `json:"person_id,string"`
	Name      string `json:"name"`
	OpenID    string `json:"openid,omitempty"`
	Following bool   `json:"following"`
}

// Result is what an action returns: the messages the follower then sees.
type Result struct {
	Follower *Follower          `json:"follower"`
	Messages []*message.Message `json:"messages"`
	Error    string             `json:"error,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func fail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func decode(r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		return fmt.Errorf("bad JSON body: %w", err)
	}
	return nil
}

// CreateFollower creates a person; with follow set, they follow the
// account (a subscribe event, with the QR scene when given).
func (e *Emulator) CreateFollower(ctx context.Context, name string) (*Follower, error) {
	if name == "" {
		e.mu.Lock()
		e.n++
		n := e.n
		e.mu.Unlock()
		name = fmt.Sprintf("follower%d_%s", n, randHex(3))
	}
	// Virtual followers never sign in: no password (an argon2id hash costs
	// 19 MiB and 20 ms each, most of the emulator's memory under load), a
	// hash no password matches.
	p, err := e.App.Users.Create(ctx, user.NewPerson{Username: name, DisplayName: name,
		PasswordHash: noPassword(), PlatformRole: user.RoleNone})
	if err != nil {
		return nil, err
	}
	return &Follower{PersonID: p.ID, Name: name}, nil
}

func (e *Emulator) createFollower(w http.ResponseWriter, r *http.Request) {
	acc, err := e.accountOf(r)
	if err != nil {
		fail(w, 404, err.Error())
		return
	}
	var in struct {
		Name   string `json:"name"`
		Follow bool   `json:"follow"`
		Scene  string `json:"scene"`
	}
	if err := decode(r, &in); err != nil {
		fail(w, 400, err.Error())
		return
	}
	f, err := e.CreateFollower(r.Context(), in.Name)
	if err != nil {
		fail(w, 400, err.Error())
		return
	}
	if !in.Follow {
		writeJSON(w, 201, &Result{Follower: f, Messages: []*message.Message{}})
		return
	}
	res, err := e.Do(r.Context(), acc, f, "follow", Action{Scene: in.Scene})
	if err != nil {
		fail(w, 400, err.Error())
		return
	}
	writeJSON(w, 201, res)
}

// follower finds a follower by their openid for the account, or by name.
func (e *Emulator) follower(ctx context.Context, acc *Account, id string) (*Follower, error) {
	accID := acc.ID
	if fl, err := e.App.Follows.ByOpenID(ctx, accID, id); err == nil {
		p, err := e.App.Users.ByID(ctx, fl.PersonID)
		if err != nil {
			return nil, err
		}
		ok, _ := e.App.Follows.IsFollowing(ctx, accID, p.ID)
		return &Follower{PersonID: p.ID, Name: p.Username, OpenID: id, Following: ok}, nil
	}
	p, err := e.App.Users.ByUsername(ctx, id)
	if err != nil {
		return nil, ErrNoFollower
	}
	f := &Follower{PersonID: p.ID, Name: p.Username}
	if fl, err := e.App.Follows.Get(ctx, accID, p.ID); err == nil {
		f.OpenID = fl.OpenID
	}
	f.Following, _ = e.App.Follows.IsFollowing(ctx, accID, p.ID)
	return f, nil
}

// target resolves the account (?appid=) and the follower ({id}) of a
// control call, answering 404 for either unknown.
func (e *Emulator) target(w http.ResponseWriter, r *http.Request) (*Account, *Follower, bool) {
	acc, err := e.accountOf(r)
	if err != nil {
		fail(w, 404, err.Error())
		return nil, nil, false
	}
	f, err := e.follower(r.Context(), acc, r.PathValue("id"))
	if err != nil {
		fail(w, 404, err.Error())
		return nil, nil, false
	}
	return acc, f, true
}

// Action is the body of a follower action.
type Action struct {
	Text        string  `json:"text"`         // send text
	Kind        string  `json:"kind"`         // send: text (default), image, voice, video, shortvideo, location, link
	Data        []byte  `json:"data"`         // send image/voice/video/shortvideo: the file (base64 in JSON)
	Thumb       []byte  `json:"thumb"`        // send video/shortvideo: its cover, JPEG or PNG up to 64 KB (base64)
	ContentType string  `json:"content_type"` // ignored: the type is read from the file itself
	Lat         float64 `json:"lat"`          // send location, report-location
	Lng         float64 `json:"lng"`
	Precision   float64 `json:"precision"` // report-location: accuracy in metres
	Label       string  `json:"label"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	URL         string  `json:"url"`    // send link, view
	Key         string  `json:"key"`    // click
	Button      string  `json:"button"` // tap: the button's name ("Parent/Child" for a sub-button)
	Scene       string  `json:"scene"`  // follow by QR, scan
	Ticket      string  `json:"ticket"`
}

// Do runs one action of a follower on an account and returns what they
// then see: the replies to it (a passive reply, an auto-reply or the
// "cannot serve you" notice when push failed).
func (e *Emulator) Do(ctx context.Context, acc *Account, f *Follower, action string, in Action) (*Result, error) {
	app, accID := e.App, acc.ID
	var ev message.FollowerEvent
	var err error
	if (action == "follow" || action == "scan") && in.Scene == "" && in.Ticket != "" {
		// A ticket alone: the QR code's own scene, as a real scan gives.
		if in.Scene, err = e.sceneOf(ctx, acc, in.Ticket); err != nil {
			return nil, err
		}
	}
	switch action {
	case "follow":
		source := follow.SourceSearch
		if in.Scene != "" {
			source = follow.SourceQR
		}
		res, ferr := app.Follows.Follow(ctx, accID, f.PersonID, source, in.Scene)
		if ferr != nil {
			return nil, ferr
		}
		f.OpenID, f.Following = res.OpenID, true
		ev = message.FollowerEvent{Event: message.EventSubscribe, Key: in.Scene, Ticket: in.Ticket}
	case "unfollow":
		if _, err := app.Follows.Unfollow(ctx, accID, f.PersonID); err != nil {
			return nil, err
		}
		f.Following = false
		ev = message.FollowerEvent{Event: message.EventUnsubscribe}
	case "send":
		return e.send(ctx, acc, f, in)
	case "click":
		ev = message.FollowerEvent{Event: message.EventClick, Key: in.Key}
	case "view":
		ev, err = e.view(ctx, acc, f, in.URL)
	case "tap":
		ev, err = e.tap(ctx, acc, f, in.Button)
	case "report-location":
		if in.Lat < -90 || in.Lat > 90 || in.Lng < -180 || in.Lng > 180 {
			return nil, errors.New("report-location: lat and lng must be on Earth")
		}
		ev = message.FollowerEvent{Event: message.EventLocation, Lat: in.Lat, Lng: in.Lng, Precision: in.Precision}
	case "scan":
		ev = message.FollowerEvent{Event: message.EventScan, Key: in.Scene, Ticket: in.Ticket}
	default:
		return nil, fmt.Errorf("unknown action %q", action)
	}
	if err != nil {
		return nil, err
	}
	acted, err := app.Chat.Act(ctx, accID, f.PersonID, ev, message.WaitForAnswer)
	if acted == nil {
		return nil, err
	}
	return result(f, acted.Replies, err), nil
}

// result is what the follower sees after an action: the replies, and the
// responders' failure if there was one.
func result(f *Follower, ms []*message.Message, err error) *Result {
	res := &Result{Follower: f, Messages: ms}
	if res.Messages == nil {
		res.Messages = []*message.Message{}
	}
	if err != nil {
		res.Error = err.Error()
	}
	return res
}

// kindShortVideo is WeChat's shortvideo message: to Herald, a video
// marked short.
const kindShortVideo = "shortvideo"

// send posts a follower's message and waits for the answer. A media
// message without a file gets a small real sample.
func (e *Emulator) send(ctx context.Context, acc *Account, f *Follower, in Action) (*Result, error) {
	kind := in.Kind
	if kind == "" {
		kind = message.KindText
	}
	msg := message.Incoming{Kind: kind}
	switch kind {
	case message.KindText:
		msg.Body.Text = in.Text
	case message.KindLocation:
		msg.Body = message.Body{Lat: in.Lat, Lng: in.Lng, Scale: 15, Label: in.Label}
	case message.KindLink:
		msg.Body = message.Body{Title: in.Title, Description: in.Description, URL: in.URL}
	case message.KindImage, message.KindVoice, message.KindVideo, kindShortVideo:
		if kind == kindShortVideo {
			// A short video is a video message recorded in the app.
			msg.Kind, msg.Body.Short = message.KindVideo, true
		}
		if len(in.Data) == 0 {
			// No file given: a small real sample (a PNG, a WAV tone, an
			// MP4 with its cover).
			in.Data, in.Thumb = sample(msg.Kind)
		}
		msg.Body.Title, msg.File = in.Title, bytes.NewReader(in.Data)
		if len(in.Thumb) > 0 {
			msg.Thumb = bytes.NewReader(in.Thumb)
		}
	default:
		return nil, fmt.Errorf("cannot send kind %q", kind)
	}
	p, err := e.App.Chat.Post(ctx, acc.ID, f.PersonID, msg, message.WaitForAnswer)
	if p == nil {
		return nil, err
	}
	return result(f, p.Replies, err), nil
}

func (e *Emulator) act(w http.ResponseWriter, r *http.Request) {
	acc, f, ok := e.target(w, r)
	if !ok {
		return
	}
	var in Action
	if err := decode(r, &in); err != nil {
		fail(w, 400, err.Error())
		return
	}
	res, err := e.Do(r.Context(), acc, f, r.PathValue("action"), in)
	if err != nil {
		fail(w, 400, err.Error())
		return
	}
	writeJSON(w, 200, res)
}

func (e *Emulator) chat(w http.ResponseWriter, r *http.Request) {
	acc, f, ok := e.target(w, r)
	if !ok {
		return
	}
	ms, err := e.App.Messages.History(r.Context(), acc.ID, f.PersonID, 0, 200)
	if err != nil {
		fail(w, 500, err.Error())
		return
	}
	if ms == nil {
		ms = []*message.Message{}
	}
	writeJSON(w, 200, &Result{Follower: f, Messages: ms})
}

func (e *Emulator) advance(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Seconds float64 `json:"seconds"`
	}
	if err := decode(r, &in); err != nil || in.Seconds < 0 {
		fail(w, 400, "want {\"seconds\": N} with N >= 0")
		return
	}
	e.Clock.Advance(time.Duration(in.Seconds * float64(time.Second)))
	writeJSON(w, 200, map[string]any{"now": e.Clock.Now().Unix(), "now_rfc3339": e.Clock.Now().Format(time.RFC3339)})
}

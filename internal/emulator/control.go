package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/heraldoa/herald/internal/apitoken"
	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/wxapi"
)

// Prefix is the control API's path prefix.
const Prefix = "/_emulator/"

// Emulator drives one App: its seeded account, its followers, its clock
// and its faults.
type Emulator struct {
	App     *app.App
	Clock   *clock.Offset
	Account *Account

	mu     sync.Mutex
	n      int
	faults Faults
	rnd    *rand.Rand
}

// Faults are the faults currently armed. Push faults count down as they
// fire; APIErrorRate stays until changed.
type Faults struct {
	FailPushes      int     `json:"fail_pushes"`      // the next N push attempts get HTTP 500 without reaching the server
	DuplicatePushes int     `json:"duplicate_pushes"` // the next N pushes are sent twice (the second answer counts)
	TimeoutPushes   int     `json:"timeout_pushes"`   // the next N push attempts reach the server but time out
	APIErrorRate    float64 `json:"api_error_rate"`   // share of /cgi-bin calls answered with errcode -1
	Seed            uint64  `json:"seed"`             // seed of the error-rate draw
}

// New returns the emulator of a, whose clock must be c.
func New(a *app.App, c *clock.Offset, acc *Account) *Emulator {
	e := &Emulator{App: a, Clock: c, Account: acc, rnd: rand.New(rand.NewPCG(0, 0))}
	a.Push.Client = &http.Client{Transport: &pushTransport{e: e, base: http.DefaultTransport},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return e
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
	mux.HandleFunc("POST "+Prefix+"clock/advance", e.advance)
	mux.HandleFunc("GET "+Prefix+"account", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, e.Account) })
	mux.HandleFunc("GET "+Prefix+"faults", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, e.Faults()) })
	mux.HandleFunc("POST "+Prefix+"faults", e.setFaults)
	mux.HandleFunc("POST "+Prefix+"faults/invalidate-token", e.invalidateToken)
	mux.HandleFunc("POST "+Prefix+"faults/exhaust-quota", e.exhaustQuota)
	mux.HandleFunc(Prefix, func(w http.ResponseWriter, r *http.Request) { fail(w, 404, "unknown emulator endpoint") })
	mux.Handle("/", e.apiFaults(next))
	return mux
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
	p, err := e.App.Users.Create(ctx, user.NewPerson{Username: name, DisplayName: name,
		Password: "emulator " + randHex(8), PlatformRole: user.RoleNone})
	if err != nil {
		return nil, err
	}
	return &Follower{PersonID: p.ID, Name: name}, nil
}

func (e *Emulator) createFollower(w http.ResponseWriter, r *http.Request) {
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
	res, err := e.Do(r.Context(), f, "follow", Action{Scene: in.Scene})
	if err != nil {
		fail(w, 400, err.Error())
		return
	}
	writeJSON(w, 201, res)
}

// follower finds a follower by openid or username.
func (e *Emulator) follower(ctx context.Context, id string) (*Follower, error) {
	accID := e.Account.ID
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

// Action is the body of a follower action.
type Action struct {
	Text        string  `json:"text"`         // send text
	Kind        string  `json:"kind"`         // send: text (default), image, voice, video, location, link
	Data        []byte  `json:"data"`         // send image/voice/video: the file (base64 in JSON)
	ContentType string  `json:"content_type"` // its type, e.g. image/png
	Lat         float64 `json:"lat"`
	Lng         float64 `json:"lng"`
	Label       string  `json:"label"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	URL         string  `json:"url"`   // send link, view
	Key         string  `json:"key"`   // click
	Scene       string  `json:"scene"` // follow by QR, scan
	Ticket      string  `json:"ticket"`
}

// Do runs one action of a follower and returns what they then see: the
// replies to it (a passive reply, an auto-reply or the "cannot serve you"
// notice when push failed).
func (e *Emulator) Do(ctx context.Context, f *Follower, action string, in Action) (*Result, error) {
	app, accID := e.App, e.Account.ID
	var inb *message.Inbound
	var err error
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
		inb, err = app.Chat.Event(ctx, accID, f.PersonID, message.EventSubscribe, in.Scene, in.Ticket)
	case "unfollow":
		if _, err := app.Follows.Unfollow(ctx, accID, f.PersonID); err != nil {
			return nil, err
		}
		f.Following = false
		inb, err = app.Chat.Event(ctx, accID, f.PersonID, message.EventUnsubscribe, "", "")
	case "send":
		inb, err = e.send(ctx, f, in)
	case "click":
		inb, err = app.Chat.Event(ctx, accID, f.PersonID, message.EventClick, in.Key, "")
	case "view":
		inb, err = app.Chat.Event(ctx, accID, f.PersonID, message.EventView, in.URL, "")
	case "scan":
		inb, err = app.Chat.Event(ctx, accID, f.PersonID, message.EventScan, in.Scene, in.Ticket)
	default:
		return nil, fmt.Errorf("unknown action %q", action)
	}
	if err != nil {
		return nil, err
	}
	ms, err := app.Chat.Respond(ctx, inb)
	res := &Result{Follower: f, Messages: ms}
	if res.Messages == nil {
		res.Messages = []*message.Message{}
	}
	if err != nil {
		res.Error = err.Error()
	}
	return res, nil
}

func (e *Emulator) send(ctx context.Context, f *Follower, in Action) (*message.Inbound, error) {
	app, accID := e.App, e.Account.ID
	kind := in.Kind
	if kind == "" {
		kind = message.KindText
	}
	var b message.Body
	switch kind {
	case message.KindText:
		b.Text = in.Text
	case message.KindLocation:
		b = message.Body{Lat: in.Lat, Lng: in.Lng, Scale: 15, Label: in.Label}
	case message.KindLink:
		b = message.Body{Title: in.Title, Description: in.Description, URL: in.URL}
	case message.KindImage, message.KindVoice, message.KindVideo:
		if len(in.Data) == 0 {
			return nil, fmt.Errorf("send %s: data (the file, base64) is required", kind)
		}
		ct := in.ContentType
		if ct == "" {
			ct = map[string]string{message.KindImage: "image/png", message.KindVoice: "audio/amr", message.KindVideo: "video/mp4"}[kind]
		}
		key := fmt.Sprintf("emulator/%d-%d-%s", accID, time.Now().UnixNano(), randHex(4))
		if _, err := app.Media.Put(ctx, key, strings.NewReader(string(in.Data))); err != nil {
			return nil, err
		}
		b = message.Body{MediaKey: key, MediaType: ct, Title: in.Title}
	default:
		return nil, fmt.Errorf("cannot send kind %q", kind)
	}
	return app.Chat.Receive(ctx, accID, f.PersonID, kind, b)
}

func (e *Emulator) act(w http.ResponseWriter, r *http.Request) {
	f, err := e.follower(r.Context(), r.PathValue("id"))
	if err != nil {
		fail(w, 404, err.Error())
		return
	}
	var in Action
	if err := decode(r, &in); err != nil {
		fail(w, 400, err.Error())
		return
	}
	res, err := e.Do(r.Context(), f, r.PathValue("action"), in)
	if err != nil {
		fail(w, 400, err.Error())
		return
	}
	writeJSON(w, 200, res)
}

func (e *Emulator) chat(w http.ResponseWriter, r *http.Request) {
	f, err := e.follower(r.Context(), r.PathValue("id"))
	if err != nil {
		fail(w, 404, err.Error())
		return
	}
	ms, err := e.App.Messages.History(r.Context(), e.Account.ID, f.PersonID, 0, 200)
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

// Faults returns the armed faults.
func (e *Emulator) Faults() Faults {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.faults
}

// SetFaults replaces the armed faults; the error-rate draw restarts from
// the seed.
func (e *Emulator) SetFaults(f Faults) {
	e.mu.Lock()
	e.faults = f
	e.rnd = rand.New(rand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15))
	e.mu.Unlock()
}

func (e *Emulator) setFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	if err := decode(r, &f); err != nil || f.APIErrorRate < 0 || f.APIErrorRate > 1 || f.FailPushes < 0 || f.DuplicatePushes < 0 || f.TimeoutPushes < 0 {
		fail(w, 400, "bad faults")
		return
	}
	e.SetFaults(f)
	writeJSON(w, 200, f)
}

// InvalidateToken ends every access token of the account at once (the
// next API call with one gets 40001).
func (e *Emulator) InvalidateToken(ctx context.Context) error {
	past := e.App.Clock.Now().Add(-apitoken.Grace - time.Second)
	if _, err := e.App.DB.Exec(ctx, `UPDATE api_tokens SET superseded_at = ? WHERE account_id = ? AND superseded_at = 0`,
		db.Micro(past), e.Account.ID); err != nil {
		return err
	}
	e.App.Tokens.Forget(e.Account.ID)
	return nil
}

func (e *Emulator) invalidateToken(w http.ResponseWriter, r *http.Request) {
	if err := e.InvalidateToken(r.Context()); err != nil {
		fail(w, 500, err.Error())
		return
	}
	writeJSON(w, 200, map[string]bool{"ok": true})
}

// ExhaustQuota uses up today's quota of an API path (e.g. /cgi-bin/token):
// further calls get 45009 until the quota day ends or it is cleared.
func (e *Emulator) ExhaustQuota(path string) error {
	limit, ok := apitoken.DailyLimits[path]
	if !ok {
		return fmt.Errorf("%s has no daily quota", path)
	}
	for i := int64(0); i <= limit && e.App.Quotas.Take(e.Account.ID, path); i++ {
	}
	return nil
}

func (e *Emulator) exhaustQuota(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Path string `json:"path"`
	}
	if err := decode(r, &in); err != nil {
		fail(w, 400, err.Error())
		return
	}
	if err := e.ExhaustQuota(in.Path); err != nil {
		fail(w, 400, err.Error())
		return
	}
	writeJSON(w, 200, map[string]any{"path": in.Path, "used": e.App.Quotas.Used(e.Account.ID, in.Path)})
}

// apiFaults answers developer API calls with errcode -1 at the armed rate.
func (e *Emulator) apiFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		isAPI := false
		for _, p := range wxapi.Prefixes {
			if strings.HasPrefix(r.URL.Path, p) {
				isAPI = true
				break
			}
		}
		if isAPI {
			e.mu.Lock()
			hit := e.faults.APIErrorRate > 0 && e.rnd.Float64() < e.faults.APIErrorRate
			e.mu.Unlock()
			if hit {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				_, _ = w.Write([]byte(`{"errcode":-1,"errmsg":"system error"}`))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// pushTransport applies the push faults to the engine's requests.
type pushTransport struct {
	e    *Emulator
	base http.RoundTripper
}

var errTimeout = errors.New("emulated timeout: no answer within 5 s")

func (t *pushTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	e := t.e
	e.mu.Lock()
	var failNow, dup, timeout bool
	switch {
	case e.faults.FailPushes > 0:
		e.faults.FailPushes--
		failNow = true
	case e.faults.TimeoutPushes > 0:
		e.faults.TimeoutPushes--
		timeout = true
	case e.faults.DuplicatePushes > 0:
		e.faults.DuplicatePushes--
		dup = true
	}
	e.mu.Unlock()
	if failNow {
		return &http.Response{StatusCode: 500, Status: "500 Internal Server Error", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	}
	if dup || timeout {
		var body []byte
		if r.GetBody != nil {
			if rc, err := r.GetBody(); err == nil {
				body, _ = io.ReadAll(rc)
				rc.Close()
			}
		}
		r2 := r.Clone(r.Context())
		r2.Body = http.NoBody
		if body != nil {
			r2.Body = readCloser{strings.NewReader(string(body))}
			r2.ContentLength = int64(len(body))
		}
		res, err := t.base.RoundTrip(r2)
		if err == nil {
			res.Body.Close()
		}
		if timeout {
			return nil, errTimeout
		}
		if body != nil {
			r.Body = readCloser{strings.NewReader(string(body))}
		}
	}
	return t.base.RoundTrip(r)
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

package webpush_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/webpush"
	"github.com/heraldoa/herald/internal/workq"
)

// device is a browser as the push service and Herald see it: its own P-256
// key pair and authentication secret (RFC 8291), subscribed at a local
// stand-in push service that decrypts what it receives and checks the
// VAPID signature, as a real push service and browser do between them.
type device struct {
	t      testing.TB
	priv   *ecdh.PrivateKey
	auth   []byte
	srv    *httptest.Server
	status int // what the push service answers (201 unless set)

	mu       sync.Mutex
	received []received
}

type received struct {
	note     webpush.Notification
	vapidKey string // the k= of the Authorization header
	topic    string
	ttl      string
}

func newDevice(t testing.TB) *device {
	d := &device{t: t, status: http.StatusCreated}
	var err error
	if d.priv, err = ecdh.P256().GenerateKey(rand.Reader); err != nil {
		t.Fatal(err)
	}
	d.auth = make([]byte, 16)
	_, _ = rand.Read(d.auth)
	d.srv = httptest.NewServer(http.HandlerFunc(d.serve))
	t.Cleanup(d.srv.Close)
	return d
}

func (d *device) endpoint() string { return d.srv.URL + "/push/v1/device-1" }

func (d *device) subscriptionJSON() string {
	b, _ := json.Marshal(map[string]any{"endpoint": d.endpoint(), "keys": map[string]string{
		"p256dh": base64.RawURLEncoding.EncodeToString(d.priv.PublicKey().Bytes()),
		"auth":   base64.RawURLEncoding.EncodeToString(d.auth),
	}})
	return string(b)
}

// serve is the push service: it refuses what a real one refuses (a bad
// VAPID token, the wrong audience, an undecryptable body) and keeps what
// the device would show.
func (d *device) serve(w http.ResponseWriter, r *http.Request) {
	fail := func(format string, args ...any) {
		d.t.Errorf("push service: "+format, args...)
		http.Error(w, "bad request", http.StatusBadRequest)
	}
	if r.Method != http.MethodPost || r.URL.Path != "/push/v1/device-1" {
		fail("%s %s", r.Method, r.URL.Path)
		return
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "aes128gcm" {
		fail("Content-Encoding %q", ce)
		return
	}
	key, err := verifyVAPID(r.Header.Get("Authorization"), d.srv.URL)
	if err != nil {
		fail("VAPID: %v", err)
		return
	}
	body, _ := io.ReadAll(r.Body)
	plain, err := decrypt(body, d.priv, d.auth)
	if err != nil {
		fail("decrypt: %v", err)
		return
	}
	var n webpush.Notification
	if err := json.Unmarshal(plain, &n); err != nil {
		fail("payload %q: %v", plain, err)
		return
	}
	d.mu.Lock()
	d.received = append(d.received, received{note: n, vapidKey: key, topic: r.Header.Get("Topic"), ttl: r.Header.Get("TTL")})
	status := d.status
	d.mu.Unlock()
	w.WriteHeader(status)
}

func (d *device) take() []received {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := d.received
	d.received = nil
	return out
}

// verifyVAPID checks "vapid t=<JWT>, k=<key>" (RFC 8292): an ES256 JWT
// signed by k, for the push service's origin, expiring within 24 hours,
// with a contact. It returns k.
func verifyVAPID(h, origin string) (string, error) {
	rest, ok := strings.CutPrefix(h, "vapid ")
	if !ok {
		return "", fmt.Errorf("authorization %q is not vapid", h)
	}
	var token, k string
	for _, part := range strings.Split(rest, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch name {
		case "t":
			token = value
		case "k":
			k = value
		}
	}
	rawKey, err := base64.RawURLEncoding.DecodeString(k)
	if err != nil {
		return "", fmt.Errorf("k: %v", err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), rawKey)
	if err != nil {
		return "", fmt.Errorf("k is not a P-256 key: %v", err)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("token has %d parts", len(parts))
	}
	var header struct{ Alg, Typ string }
	if err := decodeJSON(parts[0], &header); err != nil || header.Alg != "ES256" {
		return "", fmt.Errorf("header %+v (%v)", header, err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return "", fmt.Errorf("signature of %d bytes (%v)", len(sig), err)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return "", fmt.Errorf("ES256 signature does not verify with k")
	}
	var claims struct {
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
		Sub string `json:"sub"`
	}
	if err := decodeJSON(parts[1], &claims); err != nil {
		return "", err
	}
	if claims.Aud != origin {
		return "", fmt.Errorf("aud %q, want %q", claims.Aud, origin)
	}
	now := time.Now().Unix()
	if claims.Exp <= now || claims.Exp > now+24*3600 {
		return "", fmt.Errorf("exp %d is not within 24 hours of %d", claims.Exp, now)
	}
	if !strings.HasPrefix(claims.Sub, "mailto:") && !strings.HasPrefix(claims.Sub, "https:") {
		return "", fmt.Errorf("sub %q is neither mailto: nor https:", claims.Sub)
	}
	return k, nil
}

func decodeJSON(seg string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// decrypt undoes RFC 8291 (aes128gcm, RFC 8188) as the browser does, with
// the subscription's private key and authentication secret.
func decrypt(body []byte, ua *ecdh.PrivateKey, auth []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, fmt.Errorf("body of %d bytes", len(body))
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if idlen != 65 || len(body) < 21+idlen {
		return nil, fmt.Errorf("keyid of %d bytes", idlen)
	}
	asPub, err := ecdh.P256().NewPublicKey(body[21 : 21+idlen])
	if err != nil {
		return nil, err
	}
	ciphertext := body[21+idlen:]
	if uint32(len(ciphertext)) > rs {
		return nil, fmt.Errorf("more than one record (%d bytes, rs %d)", len(ciphertext), rs)
	}
	secret, err := ua.ECDH(asPub)
	if err != nil {
		return nil, err
	}
	keyInfo := "WebPush: info\x00" + string(ua.PublicKey().Bytes()) + string(asPub.Bytes())
	ikm, err := hkdf.Key(sha256.New, secret, auth, keyInfo, 32)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	plain, err := g.Open(nil, nonce, ciphertext, nil)
	if err != nil {
		return nil, err
	}
	// The last record ends with 0x02 and zero padding.
	end := bytes.LastIndexFunc(plain, func(r rune) bool { return r != 0 })
	if end < 0 || plain[end] != 2 {
		return nil, fmt.Errorf("no last-record delimiter")
	}
	return plain[:end], nil
}

type world struct {
	s        *apptest.Server
	acct     *account.Account
	person   *user.Person
	client   *apptest.Client
	dev      *device
	vapidKey string
}

// setup starts Herald with notifications sent as soon as a message is
// stored, and a follower with one subscribed device.
func setup(t testing.TB) *world {
	t.Helper()
	return setupWith(t, -1)
}

// setupWith is setup with notifications waiting delay (app.Options).
func setupWith(t testing.TB, delay time.Duration) *world {
	t.Helper()
	s := apptest.NewWith(t, app.Options{WebPushDelay: delay})
	ctx := context.Background()
	a, err := s.App.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Lotus Tea House",
		Description: "Tea", Organisation: "Lotus Ltd", Status: account.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	p := s.CreatePerson(t, "mei", "correct horse battery", user.RoleNone)
	if _, err := s.App.Follows.Follow(ctx, a.ID, p.ID, "search", ""); err != nil {
		t.Fatal(err)
	}
	c := s.Client(t)
	c.SignIn("mei", "correct horse battery")
	w := &world{s: s, acct: a, person: p, client: c, dev: newDevice(t)}

	res := c.Get("/push/key")
	var key struct {
		PublicKey string `json:"public_key"`
	}
	if res.Status != 200 || json.Unmarshal([]byte(res.Body), &key) != nil || key.PublicKey == "" {
		t.Fatalf("GET /push/key: %d %s", res.Status, res.Body)
	}
	w.vapidKey = key.PublicKey
	res = w.postJSON("/push/subscribe", w.dev.subscriptionJSON())
	if res.Status != 200 {
		t.Fatalf("subscribe: %d %s", res.Status, res.Body)
	}
	return w
}

func (w *world) postJSON(path, body string) *apptest.Response {
	req := w.client.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return w.client.Do(req)
}

// drain runs the queued work until none is due.
func (w *world) drain(t testing.TB) {
	t.Helper()
	for range 20 {
		n, err := w.s.App.Queue.ClaimDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		w.s.App.Queue.Wait()
		if n == 0 {
			return
		}
	}
	t.Fatal("the queue never emptied")
}

func (w *world) say(t testing.TB, text string) *message.Message {
	t.Helper()
	m := &message.Message{AccountID: w.acct.ID, PersonID: w.person.ID, Direction: message.Out, Kind: message.KindText,
		Sender: message.SenderAgent, Body: message.Body{Text: text}}
	if err := w.s.App.Messages.Append(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestAccountMessageNotifiesTheDeviceEncrypted(t *testing.T) {
	w := setup(t)
	m := w.say(t, "Your table is ready")
	w.drain(t)
	got := w.dev.take()
	if len(got) != 1 {
		t.Fatalf("push service got %d notifications, want 1", len(got))
	}
	n := got[0].note
	want := webpush.Notification{Title: "Lotus Tea House", Body: "Your table is ready", URL: fmt.Sprintf("/chat/%d", w.acct.ID),
		Tag: fmt.Sprintf("chat-%d", w.acct.ID), AccountID: fmt.Sprint(w.acct.ID), MessageID: fmt.Sprint(m.ID)}
	if n != want {
		t.Errorf("decrypted notification %+v, want %+v", n, want)
	}
	if got[0].vapidKey != w.vapidKey {
		t.Errorf("signed with key %s, but browsers subscribe with %s", got[0].vapidKey, w.vapidKey)
	}
	if got[0].topic == "" || got[0].ttl != "86400" {
		t.Errorf("Topic %q TTL %q", got[0].topic, got[0].ttl)
	}

	// Previews off: the account's name and "New message" only.
	res := w.client.PostForm("/me/notifications", map[string][]string{fmt.Sprintf("notify_%d", w.acct.ID): {"all"}})
	if res.Status != 303 {
		t.Fatalf("save settings: %d %s", res.Status, res.Body)
	}
	w.say(t, "The secret recipe is")
	w.drain(t)
	got = w.dev.take()
	if len(got) != 1 || got[0].note.Body != "New message" || got[0].note.Title != "Lotus Tea House" {
		t.Fatalf("with previews off got %+v", got)
	}
	if strings.Contains(fmt.Sprint(got), "secret recipe") {
		t.Fatal("the preview reached the push service with previews off")
	}
}

func TestMutedOrSilencedAccountsAndReadMessagesSendNothing(t *testing.T) {
	w := setup(t)
	ctx := context.Background()

	// Muted: nothing reaches the push service.
	if err := w.s.App.Follows.SetMuted(ctx, w.acct.ID, w.person.ID, true); err != nil {
		t.Fatal(err)
	}
	w.say(t, "muted hello")
	w.drain(t)
	if got := w.dev.take(); len(got) != 0 {
		t.Fatalf("a muted account notified: %+v", got)
	}
	if err := w.s.App.Follows.SetMuted(ctx, w.acct.ID, w.person.ID, false); err != nil {
		t.Fatal(err)
	}

	// The account's notifications set to nothing, through the settings page.
	res := w.client.PostForm("/me/notifications", map[string][]string{fmt.Sprintf("notify_%d", w.acct.ID): {"none"}, "show_previews": {"1"}})
	if res.Status != 303 {
		t.Fatalf("save settings: %d %s", res.Status, res.Body)
	}
	w.say(t, "silenced hello")
	w.drain(t)
	if got := w.dev.take(); len(got) != 0 {
		t.Fatalf("an account set to notify nothing notified: %+v", got)
	}
	page := w.client.Get("/me/notifications")
	if !page.Contains(`<option value="none" selected>Nothing</option>`) {
		t.Fatalf("the settings page does not show the account set to Nothing:\n%s", page.Body)
	}
	if res := w.client.PostForm("/me/notifications", map[string][]string{fmt.Sprintf("notify_%d", w.acct.ID): {"loud"}}); res.Status != 400 && res.Status != 422 {
		t.Fatalf("an unknown level was accepted: %d", res.Status)
	}

}

// A message read while its notification waits (the app is open) notifies
// nobody; one left unread notifies once the delay has passed, not before.
func TestMessageReadWithinTheDelaySendsNothing(t *testing.T) {
	w := setupWith(t, 3*time.Second)
	ctx := context.Background()
	w.say(t, "read at once")
	w.drain(t) // not due yet
	if err := w.s.App.Messages.MarkRead(ctx, w.acct.ID, w.person.ID); err != nil {
		t.Fatal(err)
	}
	w.s.Clock.Advance(4 * time.Second)
	w.drain(t)
	if got := w.dev.take(); len(got) != 0 {
		t.Fatalf("a message read in the open app notified: %+v", got)
	}
	w.say(t, "unread")
	w.drain(t)
	if got := w.dev.take(); len(got) != 0 {
		t.Fatalf("notified before the delay: %+v", got)
	}
	w.s.Clock.Advance(4 * time.Second)
	w.drain(t)
	if got := w.dev.take(); len(got) != 1 || got[0].note.Body != "unread" {
		t.Fatalf("after the delay got %+v, want the unread message", got)
	}
}

func TestGoneSubscriptionIsRemoved(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	subs, err := w.s.App.WebPush.Subscriptions(ctx, w.person.ID)
	if err != nil || len(subs) != 1 || subs[0].Endpoint != w.dev.endpoint() {
		t.Fatalf("subscriptions %+v, %v", subs, err)
	}
	w.dev.mu.Lock()
	w.dev.status = http.StatusGone
	w.dev.mu.Unlock()
	w.say(t, "anyone there?")
	w.drain(t)
	if got := w.dev.take(); len(got) != 1 {
		t.Fatalf("push service got %d requests, want 1", len(got))
	}
	if subs, err := w.s.App.WebPush.Subscriptions(ctx, w.person.ID); err != nil || len(subs) != 0 {
		t.Fatalf("after 410 the subscription is still there: %+v, %v", subs, err)
	}
	w.say(t, "and now?")
	w.drain(t)
	if got := w.dev.take(); len(got) != 0 {
		t.Fatalf("a removed subscription still got %d notifications", len(got))
	}
}

func TestUnsubscribeAndBadSubscriptions(t *testing.T) {
	w := setup(t)
	for _, bad := range []string{
		`{"endpoint":"http://push.example.com/x","keys":{"p256dh":"BAAA","auth":"AAAAAAAAAAAAAAAAAAAAAA"}}`,
		`{"endpoint":"` + w.dev.endpoint() + `","keys":{"p256dh":"BAAA","auth":"AAAAAAAAAAAAAAAAAAAAAA"}}`,
		`not json`,
	} {
		if res := w.postJSON("/push/subscribe", bad); res.Status != 422 || !strings.Contains(res.Body, `"error"`) {
			t.Errorf("subscribe %s: %d %s", bad, res.Status, res.Body)
		}
	}
	if res := w.postJSON("/push/unsubscribe", `{"endpoint":"`+w.dev.endpoint()+`"}`); res.Status != 200 {
		t.Fatalf("unsubscribe: %d %s", res.Status, res.Body)
	}
	w.say(t, "hello")
	w.drain(t)
	if got := w.dev.take(); len(got) != 0 {
		t.Fatalf("an unsubscribed device got %d notifications", len(got))
	}
}

// massSender sends a text to every follower of w's account through the
// API and runs the engine and the queue.
func (w *world) massSender(t *testing.T) func() {
	return func() {
		t.Helper()
		ctx := context.Background()
		if _, err := w.s.App.Publish.SendAPI(ctx, w.acct.ID, publish.MassSend{Target: publish.TargetAll, MsgType: "text",
			Message: &publish.MassMessage{Kind: message.KindText, Parts: []message.Body{{Text: "Spring tea is here"}}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.App.PublishEngine.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		w.drain(t)
	}
}

func TestServiceAccountMassSendNotifies(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	send := w.massSender(t)
	send()
	got := w.dev.take()
	if len(got) != 1 || got[0].note.Body != "Spring tea is here" || got[0].note.URL != fmt.Sprintf("/chat/%d", w.acct.ID) {
		t.Fatalf("mass send notified %+v", got)
	}
	// "Messages only" leaves mass sends out.
	if err := w.s.App.WebPush.SetAccountLevel(ctx, w.person.ID, w.acct.ID, webpush.NotifyMessages); err != nil {
		t.Fatal(err)
	}
	send()
	if got := w.dev.take(); len(got) != 0 {
		t.Fatalf("a mass send notified an account set to messages only: %+v", got)
	}
}

// A mass send read in the open app before the delay passed notifies
// nobody; one left unread notifies after the delay.
func TestMassSendReadWithinTheDelaySendsNothing(t *testing.T) {
	w := setupWith(t, 3*time.Second)
	ctx := context.Background()
	send := w.massSender(t)
	send()
	if err := w.s.App.Messages.MarkRead(ctx, w.acct.ID, w.person.ID); err != nil {
		t.Fatal(err)
	}
	w.s.Clock.Advance(4 * time.Second)
	w.drain(t)
	if got := w.dev.take(); len(got) != 0 {
		t.Fatalf("a mass send read in the open app notified: %+v", got)
	}
	send()
	w.s.Clock.Advance(4 * time.Second)
	w.drain(t)
	if got := w.dev.take(); len(got) != 1 || got[0].note.Body != "Spring tea is here" {
		t.Fatalf("an unread mass send notified %+v", got)
	}
}

func TestVAPIDKeyIsSharedByNodes(t *testing.T) {
	w := setup(t)
	other := &webpush.Service{DB: w.s.App.DB, Clock: w.s.App.Clock, Secret: w.s.App.Secret}
	k, err := other.PublicKey(context.Background())
	if err != nil || k != w.vapidKey {
		t.Fatalf("a second node reads key %q (%v), the first %q", k, err, w.vapidKey)
	}
	wrong := &webpush.Service{DB: w.s.App.DB, Clock: w.s.App.Clock, Secret: []byte("another secret")}
	if _, err := wrong.PublicKey(context.Background()); err == nil {
		t.Fatal("a node with another secret key read the VAPID key")
	}
}

// A notification queued on one node is delivered by another when the
// first never runs it (it died after the message was stored): the work is
// a row in the shared queue, not a goroutine.
func TestAnotherNodeDeliversWhatADeadNodeQueued(t *testing.T) {
	w := setup(t)
	w.say(t, "stored on node A") // node A queues the notification, then dies before running it
	log := slog.New(slog.DiscardHandler)
	q := workq.New(w.s.App.DB, w.s.App.Clock, log)
	webpush.New(webpush.Deps{DB: w.s.App.DB, Clock: w.s.App.Clock, Log: log, Accounts: w.s.App.Accounts,
		Messages: message.NewStore(w.s.App.DB, w.s.App.Clock, nil), Triggers: webpush.NewTriggers(q, w.s.App.Clock, 0),
		Secret: w.s.App.Secret, Client: w.s.App.Outbound.Client(0), BaseURL: w.s.URL}, nil)
	for range 5 {
		if _, err := q.ClaimDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		q.Wait()
	}
	got := w.dev.take()
	if len(got) != 1 || got[0].note.Body != "stored on node A" || got[0].vapidKey != w.vapidKey {
		t.Fatalf("node B delivered %+v", got)
	}
}

// BenchmarkNotify: an account's message stored, its notify and send jobs
// run, the notification encrypted, signed and posted, and decrypted by the
// stand-in push service.
func BenchmarkNotify(b *testing.B) {
	w := setup(b)
	for b.Loop() {
		w.say(b, "Your table is ready")
		w.drain(b)
		if got := w.dev.take(); len(got) != 1 {
			b.Fatalf("got %d notifications", len(got))
		}
	}
}

// Signing out of a browser stops its notifications: the server forgets that
// browser's subscription (known by the cookie set when it subscribed, or by
// the endpoint the page's script sends with the sign-out form), and only
// that one — the person's other browsers are still notified.
func TestSigningOutForgetsThisBrowsersSubscription(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	count := func() int {
		t.Helper()
		subs, err := w.s.App.WebPush.Subscriptions(ctx, w.person.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(subs)
	}

	// The same person on a second browser.
	other := &world{s: w.s, client: w.s.Client(t), dev: newDevice(t)}
	other.client.SignIn("mei", "correct horse battery")
	if res := other.postJSON("/push/subscribe", other.dev.subscriptionJSON()); res.Status != 200 {
		t.Fatalf("subscribe: %d %s", res.Status, res.Body)
	}
	if n := count(); n != 2 {
		t.Fatalf("%d subscriptions, want 2", n)
	}

	// Without script: the cookie names the subscription.
	if res := w.client.PostForm("/logout", nil); res.Status != 303 {
		t.Fatalf("sign out: %d", res.Status)
	}
	if w.client.Cookie(webpush.DeviceCookie) != "" {
		t.Error("the device cookie survived signing out")
	}
	if n := count(); n != 1 {
		t.Fatalf("after signing out of one browser: %d subscriptions, want 1", n)
	}
	w.say(t, "are you there?")
	w.drain(t)
	if got := w.dev.take(); len(got) != 0 {
		t.Errorf("the signed-out browser got %d notifications", len(got))
	}
	if got := other.dev.take(); len(got) != 1 {
		t.Errorf("the browser still signed in got %d notifications, want 1", len(got))
	}

	// With script but no cookie (cleared, or subscribed before the cookie
	// existed): the endpoint the form carries names it.
	other.client.SetCookie(webpush.DeviceCookie, "")
	if res := other.client.PostForm("/logout", url.Values{"push_endpoint": {other.dev.endpoint()}}); res.Status != 303 {
		t.Fatalf("sign out: %d", res.Status)
	}
	if n := count(); n != 0 {
		t.Fatalf("after signing out of both browsers: %d subscriptions, want 0", n)
	}

	// Another person's endpoint in the form removes nothing of theirs.
	w.client.SignIn("mei", "correct horse battery")
	if res := w.postJSON("/push/subscribe", w.dev.subscriptionJSON()); res.Status != 200 {
		t.Fatalf("subscribe: %d %s", res.Status, res.Body)
	}
	w.s.CreatePerson(t, "intruder", "correct horse battery", user.RoleNone)
	c := w.s.Client(t)
	c.SignIn("intruder", "correct horse battery")
	c.SetCookie(webpush.DeviceCookie, w.client.Cookie(webpush.DeviceCookie))
	c.PostForm("/logout", url.Values{"push_endpoint": {w.dev.endpoint()}})
	if n := count(); n != 1 {
		t.Errorf("someone else's sign-out removed this person's subscription: %d left, want 1", n)
	}
}

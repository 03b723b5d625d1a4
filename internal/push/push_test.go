package push_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/media/mediatest"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/outbound"
	"github.com/heraldoa/herald/internal/push"
	"github.com/heraldoa/herald/internal/workq"
	"github.com/heraldoa/herald/internal/wx/wxcrypt"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
)

const token = "herald7token"

var aesKey = wxcrypt.GenerateEncodingAESKey()

// devServer is a developer's server written against the protocol: it
// checks every signature and decrypts, records what it received, and
// answers with reply(msg) (nil: "success").
type devServer struct {
	t      *testing.T
	appID  string
	mu     sync.Mutex
	got    []*wxmsg.Message
	bodies []string
	raw    []*http.Request
	status int
	delay  time.Duration
	reply  func(m *wxmsg.Message) *wxmsg.Reply
	srv    *httptest.Server
}

func (d *devServer) allBodies() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.bodies...)
}

// set changes how the server answers; requests may be in flight (a
// timed-out push's handler still runs), so under the lock.
func (d *devServer) set(f func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f()
}

func newDevServer(t *testing.T, appID string) *devServer {
	d := &devServer{t: t, appID: appID, status: 200}
	d.srv = httptest.NewServer(http.HandlerFunc(d.serve))
	t.Cleanup(d.srv.Close)
	return d
}

func (d *devServer) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !wxcrypt.CheckSignature(token, q.Get("timestamp"), q.Get("nonce"), q.Get("signature")) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if r.Method == http.MethodGet {
		io.WriteString(w, q.Get("echostr"))
		return
	}
	body, _ := io.ReadAll(r.Body)
	d.mu.Lock()
	d.bodies = append(d.bodies, string(body)+"?"+r.URL.RawQuery)
	d.raw = append(d.raw, r)
	status, delay := d.status, d.delay
	d.mu.Unlock()
	time.Sleep(delay)
	if status != 200 {
		w.WriteHeader(status)
		return
	}
	plain := body
	var c *wxcrypt.Cipher
	if q.Get("encrypt_type") == "aes" {
		var err error
		c, err = wxcrypt.NewCipher(aesKey, d.appID)
		if err != nil {
			d.t.Error(err)
			return
		}
		env, err := wxmsg.ParseEncryptedPush(body)
		if err != nil {
			d.t.Errorf("encrypted push: %v", err)
			return
		}
		if plain, err = env.Open(c, token, q.Get("timestamp"), q.Get("nonce"), q.Get("msg_signature")); err != nil {
			d.t.Errorf("open push: %v", err)
			return
		}
	}
	m, err := wxmsg.ParseMessage(plain)
	if err != nil {
		d.t.Errorf("parse push: %v", err)
		return
	}
	if q.Get("openid") != m.FromUserName {
		d.t.Errorf("openid %q, FromUserName %q", q.Get("openid"), m.FromUserName)
	}
	d.mu.Lock()
	d.got = append(d.got, m)
	d.mu.Unlock()
	var rep *wxmsg.Reply
	d.mu.Lock()
	reply := d.reply
	d.mu.Unlock()
	if reply != nil {
		rep = reply(m)
	}
	if rep == nil {
		io.WriteString(w, "success")
		return
	}
	rep.ToUserName, rep.FromUserName, rep.CreateTime = m.FromUserName, m.ToUserName, m.CreateTime
	out, _ := rep.Marshal()
	if c != nil {
		env, err := wxmsg.SealReply(c, token, q.Get("timestamp"), q.Get("nonce"), out)
		if err != nil {
			d.t.Error(err)
			return
		}
		out, _ = env.Marshal()
	}
	w.Write(out)
}

func (d *devServer) messages() []*wxmsg.Message {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]*wxmsg.Message(nil), d.got...)
}

func echo(m *wxmsg.Message) *wxmsg.Reply {
	return &wxmsg.Reply{MsgType: wxmsg.TypeText, Content: "echo: " + m.Content}
}

func TestPushInEveryModeDeliversTheReply(t *testing.T) {
	for _, mode := range []string{push.Plaintext, push.Compatible, push.Safe} {
		t.Run(mode, func(t *testing.T) {
			h := heraldtest.New(t)
			a, f := h.Service, h.Service.Followers[0]
			d := newDevServer(t, a.AppID)
			d.set(func() { d.reply = echo })
			if err := h.SetServer(a, d.srv.URL+"/wx", token, aesKey, mode); err != nil {
				t.Fatal(err)
			}
			replies, err := h.Send(a, f, "hello")
			if err != nil {
				t.Fatal(err)
			}
			if len(replies) != 1 || replies[0].Text != "echo: hello" || replies[0].Sender != "developer" {
				t.Fatalf("replies %+v", replies)
			}
			got := d.messages()
			if len(got) != 1 || got[0].Content != "hello" || got[0].ToUserName != a.OriginalID || got[0].FromUserName != f.OpenID || got[0].MsgID == 0 {
				t.Fatalf("server got %+v", got)
			}
			body := d.allBodies()[0]
			switch mode {
			case push.Plaintext:
				if strings.Contains(body, "<Encrypt>") || strings.Contains(body, "encrypt_type") {
					t.Fatal("plaintext push carries Encrypt")
				}
			case push.Compatible:
				if !strings.Contains(body, "<Content><![CDATA[hello]]>") || !strings.Contains(body, "<Encrypt>") {
					t.Fatalf("compatible push: %s", body)
				}
			case push.Safe:
				if strings.Contains(body, "hello") || !strings.Contains(body, "msg_signature=") || !strings.Contains(body, "signature=") {
					t.Fatalf("safe push: %s", body)
				}
			}
			list, err := h.Internal().App.DevSettings.Deliveries(context.Background(), a.ID, 0, false, 10)
			if err != nil {
				t.Fatal(err)
			}
			// The handshake and the message.
			if len(list) != 2 || !list[0].OK || list[0].Attempts != 1 || list[0].Reply.English() != "Text reply: echo: hello" || list[1].Kind != push.KindVerify {
				t.Fatalf("log %+v", list)
			}
		})
	}
}

func TestSuccessMeansNoReplyAndNoAutoReply(t *testing.T) {
	h := heraldtest.New(t)
	a, f := h.Service, h.Service.Followers[0]
	d := newDevServer(t, a.AppID)
	if err := h.SetServer(a, d.srv.URL, token, "", push.Plaintext); err != nil {
		t.Fatal(err)
	}
	replies, err := h.Send(a, f, "anyone there?")
	if err != nil || len(replies) != 0 {
		t.Fatalf("replies %v, %v", replies, err)
	}
	// Events: subscribe with a QR scene, SCAN, CLICK, VIEW, unsubscribe.
	p := h.NewPerson("newcomer")
	if _, err := h.Follow(a, p, "123", "gQticket"); err != nil {
		t.Fatal(err)
	}
	h.Scan(a, p, "shop", "gQticket2")
	h.Click(a, p, "V1001_TODAY")
	h.View(a, p, "https://example.com/")
	h.SendLocation(a, p, 31.2, 121.5, "Bund")
	h.SendLink(a, p, "Title", "Desc", "https://example.com/x")
	if err := h.Unfollow(a, p); err != nil {
		t.Fatal(err)
	}
	got := d.messages()
	want := []struct{ typ, event, key string }{
		{"text", "", ""}, {"event", "subscribe", "qrscene_123"}, {"event", "SCAN", "shop"}, {"event", "CLICK", "V1001_TODAY"},
		{"event", "VIEW", "https://example.com/"}, {"location", "", ""}, {"link", "", ""}, {"event", "unsubscribe", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("server got %d pushes, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].MsgType != w.typ || got[i].Event != w.event || got[i].EventKey != w.key {
			t.Errorf("push %d: %s/%s/%s, want %+v", i, got[i].MsgType, got[i].Event, got[i].EventKey, w)
		}
	}
	if got[1].Ticket != "gQticket" || got[5].LocationX != 31.2 || got[5].Label != "Bund" || got[6].URL != "https://example.com/x" {
		t.Fatalf("details: %+v %+v %+v", got[1], got[5], got[6])
	}
}

// A slow server: each attempt times out, and the follower sees the notice.
func TestSlowServerTimesOut(t *testing.T) {
	h := heraldtest.NewWith(t, app.Options{Push: push.Options{Timeout: 100 * time.Millisecond}})
	a, f := h.Service, h.Service.Followers[0]
	d := newDevServer(t, a.AppID)
	if err := h.SetServer(a, d.srv.URL, token, aesKey, push.Safe); err != nil {
		t.Fatal(err)
	}
	d.set(func() { d.delay = 300 * time.Millisecond })
	replies, _ := h.Send(a, f, "slow")
	if len(replies) != 1 || replies[0].Kind != "notice" {
		t.Fatalf("timeout replies: %+v", replies)
	}
	list, _ := h.Internal().App.DevSettings.Deliveries(context.Background(), a.ID, 0, true, 1)
	if len(list) != 1 || !strings.Contains(list[0].Error.English(), "no answer within") {
		t.Fatalf("timeout log %+v", list)
	}
}

func TestFailuresRetryWithTheSameBodyThenShowTheNotice(t *testing.T) {
	h := heraldtest.New(t)
	app := h.Internal().App
	a, f := h.Service, h.Service.Followers[0]
	d := newDevServer(t, a.AppID)
	if err := h.SetServer(a, d.srv.URL, token, aesKey, push.Safe); err != nil {
		t.Fatal(err)
	}
	d.set(func() { d.status = 500 })
	replies, err := h.Send(a, f, "hello")
	if err != nil {
		t.Fatal(err)
	}
	if len(replies) != 1 || replies[0].Kind != "notice" || replies[0].Text != push.NoticeText {
		t.Fatalf("replies %+v", replies)
	}
	if bodies := d.allBodies(); len(bodies) != 3 || bodies[0] != bodies[1] || bodies[1] != bodies[2] {
		t.Fatalf("%d attempts; identical: %v", len(bodies), len(bodies) == 3 && bodies[0] == bodies[2])
	}
	list, _ := app.DevSettings.Deliveries(context.Background(), a.ID, 0, true, 10)
	if len(list) != 1 || list[0].Attempts != 3 || !strings.Contains(list[0].Error.English(), "HTTP 500") {
		t.Fatalf("failed log: %+v", list)
	}
	// An event that fails shows the follower nothing.
	replies, _ = h.Click(a, f, "K")
	if len(replies) != 0 {
		t.Fatalf("event failure replies: %+v", replies)
	}

	// A reply signed with the wrong token fails its check.
	d.set(func() { d.status, d.reply = 200, echo })
	if err := h.SetServer(a, d.srv.URL, token, aesKey, push.Safe); err != nil {
		t.Fatal(err)
	}
	d.set(func() { d.reply = func(m *wxmsg.Message) *wxmsg.Reply { return echo(m) } })
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			io.WriteString(w, r.URL.Query().Get("echostr"))
			return
		}
		c, _ := wxcrypt.NewCipher(aesKey, a.AppID)
		env, _ := wxmsg.SealReply(c, "wrongtoken", "1", "2", []byte("<xml><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[x]]></Content></xml>"))
		b, _ := env.Marshal()
		w.Write(b)
	}))
	defer bad.Close()
	if err := h.SetServer(a, bad.URL, token, aesKey, push.Safe); err != nil {
		t.Fatal(err)
	}
	replies, _ = h.Send(a, f, "bad sig")
	if len(replies) != 1 || replies[0].Kind != "notice" {
		t.Fatalf("bad signature replies: %+v", replies)
	}
	list, _ = app.DevSettings.Deliveries(context.Background(), a.ID, 0, true, 1)
	last := list[0].Checks[len(list[0].Checks)-1]
	if last.OK || last.StepIn(nil) != "Check the reply's MsgSignature" || !strings.Contains(last.DetailIn(nil), "Token") {
		t.Fatalf("check %+v", last)
	}

	// Replay sends the same message again with the current settings.
	if err := h.SetServer(a, d.srv.URL, token, aesKey, push.Safe); err != nil {
		t.Fatal(err)
	}
	nd, err := app.Push.Replay(context.Background(), a.ID, list[0].ID)
	if err != nil || !nd.OK || nd.ReplayOf != list[0].ID || nd.DedupeKey != list[0].DedupeKey {
		t.Fatalf("replay %+v %v", nd, err)
	}
	if got := d.messages(); got[len(got)-1].Content != "bad sig" {
		t.Fatalf("replayed %+v", got[len(got)-1])
	}
	// Another account cannot replay it.
	if _, err := app.Push.Replay(context.Background(), h.Subscription.ID, list[0].ID); err == nil {
		t.Fatal("replayed another account's delivery")
	}
}

func TestHandshakeFailureIsExplained(t *testing.T) {
	h := heraldtest.New(t)
	d := newDevServer(t, h.Service.AppID)
	err := h.SetServer(h.Service, d.srv.URL, "othertoken", "", push.Plaintext)
	if err == nil || !strings.Contains(err.Error(), "HTTP 401") {
		t.Fatalf("handshake with the wrong token: %v", err)
	}
	set, _ := h.Internal().App.DevSettings.Get(context.Background(), h.Service.ID)
	if set.Configured() {
		t.Fatal("settings saved despite the failed handshake")
	}
	if err := h.SetServer(h.Service, "ftp://example.com", token, "", push.Plaintext); err == nil {
		t.Fatal("ftp URL accepted")
	}
	if err := h.SetServer(h.Service, d.srv.URL, token, "short", push.Safe); err == nil {
		t.Fatal("short EncodingAESKey accepted")
	}
}

func TestFollowerImagesArePushedWithAFetchableMediaID(t *testing.T) {
	h := heraldtest.New(t)
	a, f := h.Service, h.Service.Followers[0]
	d := newDevServer(t, a.AppID)
	if err := h.SetServer(a, d.srv.URL, token, "", push.Plaintext); err != nil {
		t.Fatal(err)
	}
	png := mediatest.PNG(1, 1)
	if _, err := h.SendImage(a, f, png); err != nil {
		t.Fatal(err)
	}
	m := d.messages()[0]
	if m.MsgType != "image" || m.MediaID == "" || !strings.HasPrefix(m.PicURL, h.URL+"/cgi-bin/media/pic?media_id=") {
		t.Fatalf("image push %+v", m)
	}
	res, err := http.Get(m.PicURL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != string(png) {
		t.Fatalf("PicUrl served %d bytes", len(b))
	}
}

// A developer URL pointing inside the platform's network is refused on
// the handshake and on every push, after DNS and across redirects, and
// nothing the internal service answers reaches the tenant.
func TestInternalServersAreRefusedWithoutTheirAnswer(t *testing.T) {
	const inside = "# HELP go_gc_duration_seconds internal"
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, inside)
	}))
	t.Cleanup(internal.Close)
	port := internal.URL[strings.LastIndex(internal.URL, ":")+1:]
	var publicURL string
	if ln, err := net.Listen("tcp", "127.0.0.2:0"); err == nil { // stands in for a public host
		pub := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, internal.URL+"/metrics", http.StatusFound)
		})}}
		pub.Start()
		t.Cleanup(pub.Close)
		publicURL = pub.URL
	}

	// The platform default, plus the stand-in.
	h := heraldtest.NewWith(t, app.Options{PushClient: outbound.NewPolicy([]netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}).Client(0)})
	app := h.Internal().App
	a, f := h.Service, h.Service.Followers[0]
	targets := []string{internal.URL + "/metrics", "http://localhost:" + port + "/", "http://10.0.0.1/wx", "http://169.254.169.254/latest/meta-data/",
		"http://[::1]:" + port + "/", "http://[::ffff:127.0.0.1]:" + port + "/"}
	for _, target := range targets {
		err := h.SetServer(a, target, token, "", push.Plaintext)
		if err == nil || strings.Contains(err.Error(), "go_gc") || !strings.Contains(err.Error(), "Herald does not connect to") {
			t.Errorf("%s: handshake error %v", target, err)
		}
	}
	if publicURL != "" {
		err := h.SetServer(a, publicURL, token, "", push.Plaintext)
		if err == nil || strings.Contains(err.Error(), "go_gc") || !strings.Contains(err.Error(), "HTTP 302") {
			t.Errorf("redirect: handshake error %v", err)
		}
	}
	// A server saved while it was allowed (here: saved as checked, on
	// loopback), pushed to after: refused too.
	d := newDevServer(t, a.AppID)
	if err := app.DevSettings.Save(context.Background(), &push.Settings{AccountID: a.ID, URL: d.srv.URL, Token: token, Mode: push.Plaintext, Enabled: true}, true); err != nil {
		t.Fatal(err)
	}
	app.API.ForgetAccount(a.ID)
	replies, err := h.Send(a, f, "hello")
	if err != nil || len(replies) != 1 || replies[0].Text != push.NoticeText {
		t.Fatalf("replies %+v, %v", replies, err)
	}
	app.DevSettings.WaitLog()
	list, err := app.DevSettings.Deliveries(context.Background(), a.ID, 0, false, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) == 0 || list[0].OK || !strings.Contains(list[0].Error.English(), "Herald does not connect to 127.0.0.1") {
		t.Errorf("last delivery %+v", list[0])
	}
	for _, dl := range list {
		full, err := app.DevSettings.Delivery(context.Background(), a.ID, dl.ID)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(full.Response, "go_gc") || strings.Contains(full.Error.English(), "go_gc") || strings.Contains(fmt.Sprint(full.Checks), "go_gc") {
			t.Errorf("delivery %d to %s shows the internal answer: %+v", dl.ID, dl.URL, full)
		}
	}
}

// A node dies after the developer's server answered and the passive reply
// was stored in the chat, but before the job was deleted: the node that
// takes the job over finds that step done, so the follower sees the reply
// once and the developer's server is not asked again.
func TestTakeoverAfterTheReplyWasStoredDoesNotRepeatIt(t *testing.T) {
	var dying atomic.Bool // node A dies before deleting the next job it runs
	h := heraldtest.NewWith(t, app.Options{Queue: workq.Options{BeforeFinish: func(q *workq.Queue, _ *workq.Job) {
		if dying.Load() {
			q.Halt()
		}
	}}})
	a, f := h.Service, h.Service.Followers[0]
	d := newDevServer(t, a.AppID)
	d.set(func() { d.reply = echo })
	if err := h.SetServer(a, d.srv.URL, token, aesKey, push.Plaintext); err != nil {
		t.Fatal(err)
	}
	app := h.Internal().App
	ctx := context.Background()
	nodeA := app.Queue
	dying.Store(true)
	if _, err := app.Chat.Post(ctx, a.ID, f.PersonID, message.Incoming{Kind: message.KindText, Body: message.Body{Text: "hello"}}, message.NoWait); err != nil {
		t.Fatal(err)
	}
	nodeA.Wait()
	developerReplies := func() int {
		t.Helper()
		conv, err := h.Conversation(a, f)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range conv {
			if m.Sender == message.SenderDeveloper {
				if m.Text != "echo: hello" {
					t.Fatalf("reply %+v", m)
				}
				n++
			}
		}
		return n
	}
	if n := developerReplies(); n != 1 || len(d.messages()) != 1 {
		t.Fatalf("before the takeover: %d replies, %d pushes", n, len(d.messages()))
	}
	var left int
	if err := app.DB.QueryRow(ctx, `SELECT COUNT(*) FROM work_jobs`).Scan(&left); err != nil || left != 1 {
		t.Fatalf("jobs left by the dead node: %d %v", left, err)
	}

	// Node B takes the job over once node A's lease has run out.
	nodeB := workq.New(app.DB, app.Clock, nil)
	message.NewService(message.Deps{Store: app.Messages, Accounts: app.Accounts, Follows: app.Follows, Media: app.Media, Log: app.Log, Queue: nodeB},
		app.Chat.Responders()...) // node B answers with the same chain
	push.NewEngine(push.Deps{Store: app.DevSettings, Accounts: app.Accounts, TempMedia: app.TempMedia, Media: app.Media, Clock: app.Clock,
		Client: outbound.NewPolicy(outbound.Loopback).Client(0), Queue: nodeB}, push.Options{})
	h.Advance(time.Minute)
	if n, err := nodeB.ClaimDue(ctx); err != nil || n != 1 {
		t.Fatalf("node B claimed %d: %v", n, err)
	}
	nodeB.Wait()
	if n := developerReplies(); n != 1 || len(d.messages()) != 1 {
		t.Fatalf("after the takeover: %d replies, %d pushes; want 1 and 1", n, len(d.messages()))
	}
	if err := app.DB.QueryRow(ctx, `SELECT COUNT(*) FROM work_jobs`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("jobs left after the takeover: %d %v", left, err)
	}
}

// The push log's writer gathers records into batches, lingering while
// nobody waits: every record reaches the table, a Record call returns only
// once its own row is committed (read here straight from the database,
// not through the log's readers, which wait for the writer), and the log's
// readers see records queued just before.
func TestPushLogWritesEveryRecord(t *testing.T) {
	h := heraldtest.New(t)
	app := h.Internal().App
	ctx := context.Background()
	a := h.Service
	const senders, each = 8, 40
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				d := &push.Delivery{AccountID: a.ID, Kind: push.KindEvent, Mode: push.Safe, URL: "https://dev.example/wx", OK: true, Attempts: 1}
				if i%10 != 9 {
					app.DevSettings.RecordAsync(d)
					continue
				}
				if err := app.DevSettings.Record(ctx, d); err != nil {
					t.Errorf("sender %d: Record: %v", s, err)
					return
				}
				var n int
				if err := app.DB.QueryRow(ctx, `SELECT COUNT(*) FROM push_deliveries WHERE id = ?`, d.ID).Scan(&n); err != nil || n != 1 {
					t.Errorf("sender %d: Record returned before its row was committed (%d rows, %v)", s, n, err)
				}
			}
		}()
	}
	wg.Wait()
	last := &push.Delivery{AccountID: a.ID, Kind: push.KindEvent, Mode: push.Safe, URL: "https://dev.example/wx", Attempts: 1}
	app.DevSettings.RecordAsync(last)
	list, err := app.DevSettings.Deliveries(ctx, a.ID, 0, false, 1)
	if err != nil || len(list) != 1 || list[0].ID != last.ID {
		t.Fatalf("the newest delivery is %+v (%v), want the one just queued", list, err)
	}
	var n int
	if err := app.DB.QueryRow(ctx, `SELECT COUNT(*) FROM push_deliveries WHERE account_id = ? AND kind = 'event'`, a.ID).Scan(&n); err != nil || n != senders*each+1 {
		t.Errorf("%d rows (%v), want %d", n, err, senders*each+1)
	}
}

// The log reads back what was recorded, whichever way the writer stored
// it: a burst queued together (one batch, which PostgreSQL loads with
// COPY) and a single waited-for record (an INSERT) give the console the
// same fields, texts with quotes, tabs, newlines and non-ASCII included.
func TestPushLogReadsBackWhatWasRecorded(t *testing.T) {
	h := heraldtest.New(t)
	app := h.Internal().App
	ctx := context.Background()
	a := h.Service
	at := time.Date(2026, 12, 6, 11, 0, 0, 0, time.UTC)
	delivery := func(i int) *push.Delivery {
		text := fmt.Sprintf("héllo %d, 世界 \"quoted\"\ttab\nline \\ back", i)
		d := &push.Delivery{AccountID: a.ID, PersonID: int64(1000 + i), OpenID: fmt.Sprint("o-follower-", i), Kind: push.KindMessage,
			Summary: push.Note{Code: "m.text", Args: []string{text}}, DedupeKey: fmt.Sprint("msg:", i), Mode: push.Safe,
			URL: "https://dev.example/wx", Query: fmt.Sprintf("openid=o%d&timestamp=1765000000", i),
			Plain: "<xml><Content><![CDATA[" + text + "]]></Content></xml>", Body: fmt.Sprint("<xml><Encrypt>", i, "</Encrypt></xml>"),
			OK: i%3 != 0, Attempts: 1 + i%3, Duration: time.Duration(i) * time.Millisecond, ReplayOf: int64(i % 2),
			CreatedAt: at.Add(time.Duration(i) * time.Microsecond)}
		if d.OK {
			d.StatusCode, d.Response, d.Reply = 200, "success", push.Note{Code: "r.none"}
			d.Checks = []push.Check{{OK: true, Code: "try", Args: []string{"1", "3ms", "7"}}, {OK: true, Code: "read.none"}}
		} else {
			d.StatusCode, d.Response = 502, "<html>bad gateway ünïcode</html>"
			d.Error = push.Note{Prose: "connection reset «" + text + "»"}
			d.Checks = []push.Check{{OK: false, Code: "try.status", Args: []string{"1", "502", "4ms"}}}
		}
		return d
	}
	var want []*push.Delivery
	for i := range 40 {
		d := delivery(i)
		app.DevSettings.RecordAsync(d)
		want = append(want, d)
	}
	app.DevSettings.WaitLog() // the burst is written: the next record is a batch of its own
	one := delivery(40)
	if err := app.DevSettings.Record(ctx, one); err != nil {
		t.Fatal(err)
	}
	want = append(want, one)
	got, err := app.DevSettings.Deliveries(ctx, a.ID, 0, false, 200)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]*push.Delivery{}
	for _, d := range got {
		byID[d.ID] = d
	}
	for _, w := range want {
		g := byID[w.ID]
		if g == nil {
			t.Errorf("delivery %d (%s) is not in the log", w.ID, w.DedupeKey)
			continue
		}
		if fmt.Sprintf("%+v", *g) != fmt.Sprintf("%+v", *w) {
			t.Errorf("delivery %s reads back as\n%+v\nwant\n%+v", w.DedupeKey, *g, *w)
		}
	}
}

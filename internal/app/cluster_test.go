package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/config"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/media/s3test"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/natsbus"
	"github.com/heraldoa/herald/internal/natsbus/natstest"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/push"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/workq"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
)

// node is one Herald of the cluster, with its own database pool, NATS
// connection and HTTP listener.
type node struct {
	name string
	app  *app.App
	db   *db.DB
	srv  *httptest.Server
	bus  *natsbus.Bus
	dead bool
}

// kill stops the node the way a crash would: its database pool closes
// first (nothing more it does commits), its in-flight work is cancelled,
// its listener and connections drop, and nothing is handed back.
func (n *node) kill() {
	n.dead = true
	n.db.Close()
	n.app.Queue.Halt()
	n.srv.Listener.Close()
	n.srv.CloseClientConnections()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = n.app.Jobs.Stop(ctx) // cancels the workers without waiting
	n.bus.Close()
}

// devServer is the developer's server: it counts what it is pushed by
// MsgId, holds each push for a while (so that a node can die with pushes
// in flight) and answers text with a passive reply.
type devServer struct {
	*httptest.Server
	hold  atomic.Int64 // nanoseconds each push is held
	mu    sync.Mutex
	byID  map[int64]int
	last  map[int64]time.Time // when the last push of a MsgId arrived
	total atomic.Int64
}

func newDevServer(t *testing.T) *devServer {
	d := &devServer{byID: map[int64]int{}, last: map[int64]time.Time{}}
	d.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			_, _ = w.Write([]byte(r.URL.Query().Get("echostr")))
			return
		}
		body, _ := io.ReadAll(r.Body)
		m, err := wxmsg.ParseMessage(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		d.total.Add(1)
		if m.MsgType == wxmsg.TypeText {
			d.mu.Lock()
			d.byID[m.MsgID]++
			d.last[m.MsgID] = time.Now()
			d.mu.Unlock()
		}
		if h := d.hold.Load(); h > 0 {
			time.Sleep(time.Duration(h))
		}
		if m.MsgType != wxmsg.TypeText {
			_, _ = w.Write([]byte("success"))
			return
		}
		reply := fmt.Sprintf(`<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[echo: %s]]></Content></xml>`,
			m.FromUserName, m.ToUserName, time.Now().Unix(), m.Content)
		_, _ = w.Write([]byte(reply))
	}))
	t.Cleanup(d.Close)
	return d
}

func (d *devServer) counts() map[int64]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[int64]int, len(d.byID))
	for k, v := range d.byID {
		out[k] = v
	}
	return out
}

func eventually(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func count(t *testing.T, d *db.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestThreeNodeCluster runs three Herald nodes on one PostgreSQL, one NATS
// server and one S3 bucket, spreads traffic across them, and kills nodes
// in the middle of a burst of pushes and of a large mass send.
func TestThreeNodeCluster(t *testing.T) {
	if os.Getenv(dbtest.EnvURL) == "" {
		t.Skip("the cluster test needs PostgreSQL (set " + dbtest.EnvURL + "): SQLite is one writer inside one process, not a database several nodes share")
	}
	followers := 100_000
	if testing.Short() {
		followers = 10_000
	}
	ctx := context.Background()
	natsSrv := natstest.Start(t, nil)
	s3 := s3test.New(t)
	shared := dbtest.New(t)
	cfg, err := config.Parse("test", []string{"--listen", "127.0.0.1:0", "--data", t.TempDir(), "--media-url", s3.MediaURL(), "--outbound-allow", "127.0.0.0/8,::1"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := cfg.LoadSecret()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	var nodes []*node
	for _, name := range []string{"A", "B", "C"} {
		bus, err := natsbus.Connect(ctx, natsbus.Options{URLs: natsSrv.URL(), Name: "node " + name, Log: log})
		if err != nil {
			t.Fatal(err)
		}
		d := dbtest.Reopen(t, shared)
		// The work queue keeps its production lease (5 s) and poll (1 s):
		// the kill below measures them against WeChat's retry budget. The
		// mass send's lease is short so that its takeover is quick too.
		a, err := app.New(cfg, log, d, secret, app.Options{Bus: bus, Publishing: publish.EngineOptions{Lease: 2 * time.Second, BatchSize: 2_000},
			Push: push.Options{Timeout: 2 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		n := &node{name: name, app: a, db: d, srv: httptest.NewServer(a.Handler()), bus: bus}
		a.StartJobs()
		t.Cleanup(func() {
			if !n.dead {
				n.srv.Close()
				_ = a.Jobs.Stop(context.Background())
				a.Queue.Wait()
				bus.Close()
			}
		})
		nodes = append(nodes, n)
	}
	A, B, C := nodes[0], nodes[1], nodes[2]

	// One Service account with a developer server, and a follower.
	bank, err := A.app.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank", Status: account.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	mei, err := A.app.Users.Create(ctx, user.NewPerson{Username: "mei", Password: "a long enough secret"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := A.app.Follows.Follow(ctx, bank.ID, mei.ID, "search", ""); err != nil {
		t.Fatal(err)
	}
	dev := newDevServer(t)
	if err := B.app.DevSettings.Save(ctx, &push.Settings{AccountID: bank.ID, URL: dev.URL, Token: "clustertoken", Mode: push.Plaintext, Enabled: true}, true); err != nil {
		t.Fatal(err)
	}
	creds, err := A.app.Accounts.IssueCredentials(ctx, bank.ID)
	if err != nil {
		t.Fatal(err)
	}

	// The follower writes on A; the developer's passive reply comes back
	// into her chat (through whichever node runs the push).
	if _, err := A.app.Chat.Post(ctx, bank.ID, mei.ID, message.Incoming{Kind: message.KindText, Body: message.Body{Text: "hello from A"}}, message.NoWait); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the developer's passive reply", 10*time.Second, func() bool {
		return count(t, shared, `SELECT COUNT(*) FROM messages WHERE account_id = ? AND person_id = ? AND sender = 'developer' AND body LIKE '%echo: hello from A%'`, bank.ID, mei.ID) == 1
	})
	// An agent answers on B (the window the follower's message opened).
	if _, err := B.app.Chat.Send(ctx, bank.ID, mei.ID, message.KindText, message.SenderAgent, mei.ID, message.Body{Text: "an agent on B"}); err != nil {
		t.Fatal(err)
	}
	msgs, err := C.app.Messages.History(ctx, bank.ID, mei.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 3 {
		t.Fatalf("node C sees %d messages in the conversation, want 3", len(msgs))
	}

	// The developer API through C: a token, then media uploaded on A is
	// read through C (the bytes live in the S3 bucket).
	api := func(n *node, method, path string, body io.Reader, ctype string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, n.srv.URL+path, body)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s on %s: %v", method, path, n.name, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	_, b := api(C, http.MethodGet, "/cgi-bin/token?grant_type=client_credential&appid="+creds.AppID+"&secret="+creds.AppSecret, nil, "")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(b, &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token on C: %s", b)
	}
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	img.Set(3, 3, color.RGBA{R: 200, A: 255})
	var pngBuf bytes.Buffer
	_ = png.Encode(&pngBuf, img)
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("media", "photo.png")
	_, _ = fw.Write(pngBuf.Bytes())
	mw.Close()
	_, b = api(A, http.MethodPost, "/cgi-bin/media/upload?type=image&access_token="+url.QueryEscape(tok.AccessToken), &form, mw.FormDataContentType())
	var up struct {
		MediaID string `json:"media_id"`
	}
	if err := json.Unmarshal(b, &up); err != nil || up.MediaID == "" {
		t.Fatalf("upload on A: %s", b)
	}
	res, b := api(C, http.MethodGet, "/cgi-bin/media/get?media_id="+url.QueryEscape(up.MediaID)+"&access_token="+url.QueryEscape(tok.AccessToken), nil, "")
	if res.StatusCode != http.StatusOK || !bytes.Equal(b, pngBuf.Bytes()) {
		t.Fatalf("media uploaded on A, read on C: HTTP %d, %d bytes (want %d)", res.StatusCode, len(b), pngBuf.Len())
	}
	if _, err := os.Stat(cfg.DataDir + "/media"); err == nil {
		t.Fatal("with --media-url s3://, media was written into the data directory")
	}

	// A quota of 10 (clear_quota's monthly allowance), taken by 30
	// concurrent calls round-robin over the three nodes: exactly 10 pass.
	var quotaWG sync.WaitGroup
	var passed, refused atomic.Int64
	for i := range 30 {
		quotaWG.Add(1)
		go func() {
			defer quotaWG.Done()
			u := nodes[i%3].srv.URL + "/cgi-bin/clear_quota?access_token=" + url.QueryEscape(tok.AccessToken)
			res, err := http.Post(u, "application/json", bytes.NewReader([]byte(`{"appid":"`+creds.AppID+`"}`)))
			if err != nil {
				t.Error(err)
				return
			}
			defer res.Body.Close()
			var r struct {
				Errcode int `json:"errcode"`
			}
			if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
				t.Error(err)
			}
			switch r.Errcode {
			case 0:
				passed.Add(1)
			case 48006:
				refused.Add(1)
			default:
				t.Errorf("clear_quota on %s: errcode %d", nodes[i%3].name, r.Errcode)
			}
		}()
	}
	quotaWG.Wait()
	if passed.Load() != 10 || refused.Load() != 20 {
		t.Fatalf("clear_quota (10 a month) over three nodes: %d passed, %d refused with 48006; want exactly 10 and 20", passed.Load(), refused.Load())
	}

	// A burst of pushes, round-robin over the nodes, with the developer's
	// server slow enough that B dies with pushes in flight.
	dev.hold.Store(int64(time.Second))
	const burst = 90
	var sent []int64
	sentAt := map[int64]time.Time{}
	for i := range burst {
		n := nodes[i%3]
		p, err := n.app.Chat.Post(ctx, bank.ID, mei.ID, message.Incoming{Kind: message.KindText, Body: message.Body{Text: fmt.Sprintf("burst %d", i)}}, message.NoWait)
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, p.Message.ID)
		sentAt[p.Message.ID] = time.Now()
	}
	time.Sleep(150 * time.Millisecond)
	inFlight := count(t, shared, `SELECT COUNT(*) FROM work_jobs WHERE lease_owner = ?`, B.app.Queue.Owner())
	killedAt := time.Now()
	B.kill()
	t.Logf("node B killed with %d of its pushes unfinished", inFlight)
	if inFlight == 0 {
		t.Fatal("node B had no push in flight when it was killed: the test proves nothing")
	}
	eventually(t, "every push to finish on A and C", 60*time.Second, func() bool {
		return count(t, shared, `SELECT COUNT(*) FROM work_jobs`) == 0
	})
	t.Logf("every push done %s after node B was killed (lease %s, poll %s)", time.Since(killedAt).Round(time.Millisecond), workq.DefaultLease, workq.DefaultPoll)
	got := dev.counts()
	dev.mu.Lock()
	last := maps.Clone(dev.last)
	dev.mu.Unlock()
	twice := 0
	var slowest time.Duration
	for _, mid := range sent {
		// WeChat makes its attempts within about 15 s of the message: a
		// push the dead node had started or queued must be sent within that.
		if took := last[mid].Sub(sentAt[mid]); took > slowest {
			slowest = took
		}
		if took := last[mid].Sub(sentAt[mid]); took > wechatRetryBudget {
			t.Errorf("MsgId %d: last attempt %s after the message, beyond WeChat's %s", mid, took.Round(time.Millisecond), wechatRetryBudget)
		}
		switch c := got[mid]; {
		case c == 0:
			t.Errorf("MsgId %d was never pushed", mid)
		case c > push.DefaultAttempts:
			t.Errorf("MsgId %d was pushed %d times, more than WeChat's %d attempts", mid, c, push.DefaultAttempts)
		case c > 1:
			twice++
		}
		if n := count(t, shared, `SELECT COUNT(*) FROM push_deliveries WHERE account_id = ? AND dedupe_key = ? AND ok = TRUE`, bank.ID, fmt.Sprint("msg:", mid)); n < 1 {
			t.Errorf("MsgId %d: no successful delivery in the push log", mid)
		}
		if n := count(t, shared, `SELECT COUNT(*) FROM messages WHERE account_id = ? AND sender = 'developer' AND body LIKE ?`, bank.ID, fmt.Sprintf("%%echo: burst %d\"%%", indexOf(sent, mid))); n < 1 {
			t.Errorf("MsgId %d: the follower never got the passive reply", mid)
		}
	}
	t.Logf("burst of %d pushes: %d delivered more than once (the ones B was sending), none more than %d times; the last attempt of any MsgId began %s after its message",
		burst, twice, push.DefaultAttempts, slowest.Round(time.Millisecond))
	dev.hold.Store(0)

	// A mass send to many followers; the node running it dies halfway and
	// a survivor resumes from the last committed batch.
	big, err := A.app.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Big Bank", Status: account.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	base := id.NewBlock(int64(followers) + 1)
	if _, err := shared.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at)
		SELECT CAST(? AS BIGINT) + n, 'cf' || n, 'Reader ' || n, 'x', 1, 1 FROM generate_series(1, ?) AS g(n)`, base, followers); err != nil {
		t.Fatal(err)
	}
	if _, err := shared.Exec(ctx, `INSERT INTO follows (account_id, person_id, openid, following, source, subscribed_at, created_at)
		SELECT ?, id, 'o' || id, TRUE, 'search', 1, 1 FROM people WHERE id > ? AND id <= ?`, big.ID, base, base+int64(followers)); err != nil {
		t.Fatal(err)
	}
	if _, err := shared.Exec(ctx, `UPDATE accounts SET follower_count = ? WHERE id = ?`, followers, big.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := shared.Exec(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d followers built in %s", followers, time.Since(t0).Round(time.Millisecond))
	pub, err := C.app.Publish.SaveDraft(ctx, big.ID, 0, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: "Rates are changing", Body: "Read **this**."}}})
	if err != nil {
		t.Fatal(err)
	}
	// A scheduled send (the earliest allowed time), whose time then comes:
	// every surviving node's worker sees it due, one starts it.
	job, err := C.app.Publish.Send(ctx, big.ID, 0, pub.ID, publish.SendOptions{Mode: publish.ModeMass, At: time.Now().Add(6 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if job.State != publish.JobScheduled {
		t.Fatalf("the send is %s, not scheduled", job.State)
	}
	if _, err := shared.Exec(ctx, `UPDATE publish_jobs SET run_at = ? WHERE id = ?`, db.Micro(time.Now()), job.ID); err != nil {
		t.Fatal(err)
	}
	for _, n := range []*node{A, C} {
		n.app.PublishEngine.Wake()
	}
	var owner string
	t1 := time.Now()
	eventually(t, "the mass send to be under way", 60*time.Second, func() bool {
		var sentCount int64
		err := shared.QueryRow(ctx, `SELECT lease_owner, sent_count FROM publish_jobs WHERE id = ?`, job.ID).Scan(&owner, &sentCount)
		return err == nil && owner != "" && sentCount > 0
	})
	var victim *node
	for _, n := range []*node{A, C} {
		if n.app.PublishEngine.Owner() == owner {
			victim = n
		}
	}
	if victim == nil {
		t.Fatalf("the mass send runs under %q, which is no live node", owner)
	}
	sentAtKill := count(t, shared, `SELECT sent_count FROM publish_jobs WHERE id = ?`, job.ID)
	victim.kill()
	t.Logf("node %s killed with the mass send at %d of %d", victim.name, sentAtKill, followers)
	if sentAtKill >= int64(followers) {
		t.Fatal("the send had finished before the kill: the test proves nothing")
	}
	eventually(t, "the mass send to finish on the last node", 5*time.Minute, func() bool {
		var state string
		_ = shared.QueryRow(ctx, `SELECT state FROM publish_jobs WHERE id = ?`, job.ID).Scan(&state)
		return state == publish.JobDone
	})
	took := time.Since(t1)
	// A Service account's send is stored once, with a row per recipient.
	const received = ` FROM broadcasts b JOIN broadcast_recipients r ON r.send_id = b.send_id WHERE b.account_id = ?`
	total := count(t, shared, `SELECT COUNT(*)`+received, big.ID)
	distinct := count(t, shared, `SELECT COUNT(DISTINCT r.person_id)`+received, big.ID)
	sentCount := count(t, shared, `SELECT sent_count FROM publish_jobs WHERE id = ?`, job.ID)
	if total != int64(followers) || distinct != int64(followers) || sentCount != int64(followers) {
		t.Fatalf("after the kill: %d messages to %d followers, job counts %d sent; want each of %d followers exactly once", total, distinct, sentCount, followers)
	}
	t.Logf("mass send to %d followers: each exactly once, %s from start to done with one node killed", followers, took.Round(time.Millisecond))
}

// wechatRetryBudget is how long after a message WeChat still tries to push
// it: three attempts with a 5 s timeout each.
const wechatRetryBudget = 15 * time.Second

func indexOf(list []int64, v int64) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}

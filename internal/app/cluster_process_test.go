//go:build linux

package app_test

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/config"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/media/s3test"
	"github.com/heraldoa/herald/internal/natsbus"
	"github.com/heraldoa/herald/internal/natsbus/natstest"
	"github.com/heraldoa/herald/internal/publish"
	"github.com/heraldoa/herald/internal/push"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/web"
	"github.com/heraldoa/herald/internal/workq"
)

// nodeEnv, set in a child process of this test binary, makes it a Herald
// node instead of a test run (see TestMain): the cluster test starts three
// of them and kills one with SIGKILL.
const nodeEnv = "HERALD_TEST_NODE"

func TestMain(m *testing.M) {
	if os.Getenv(nodeEnv) == "1" {
		os.Exit(runNode(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// runNode is `herald serve` with the settings every node takes from its
// flags and environment, on a database the test migrated, with the same
// two test settings as the in-process cluster test (a mass send's lease of
// 2 s and batches of 2,000, so its takeover is quick). It prints
// "HERALD-NODE <address> <work-queue owner> <publish owner>" once it
// listens, and serves until it is killed.
func runNode(args []string) int {
	cfg, err := config.Parse("herald serve", args, os.Getenv, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	secret, err := cfg.LoadSecret()
	if err == nil {
		var d *db.DB
		if d, err = db.Open(ctx, cfg.DatabaseURL, cfg.DataDir); err == nil {
			defer d.Close()
			var bus *natsbus.Bus
			if bus, err = natsbus.Connect(ctx, natsbus.Options{URLs: cfg.NATSURL, Name: "herald " + cfg.Listen, Log: log}); err == nil {
				defer bus.Close()
				var a *app.App
				if a, err = app.New(cfg, log, d, secret, app.Options{Bus: bus, Publishing: publish.EngineOptions{Lease: 2 * time.Second, BatchSize: 2_000},
					Push: push.Options{Timeout: 2 * time.Second}}); err == nil {
					var ln net.Listener
					if ln, err = net.Listen("tcp", cfg.Listen); err == nil {
						fmt.Printf("HERALD-NODE %s %s %s\n", ln.Addr(), a.Queue.Owner(), a.PublishEngine.Owner())
						err = a.Serve(ctx, ln)
					}
				}
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "node:", err)
		return 1
	}
	return 0
}

// procNode is a Herald node running as a separate process.
type procNode struct {
	name      string
	cmd       *exec.Cmd
	url       string
	queue     string // its work queue's lease owner
	publisher string // its publish engine's lease owner
	log       string // its standard error
	exited    chan struct{}
}

// startProcNode starts this test binary as a node with args.
func startProcNode(t *testing.T, name string, env []string, args ...string) *procNode {
	t.Helper()
	n := &procNode{name: name, log: filepath.Join(t.TempDir(), "node.log"), exited: make(chan struct{})}
	logf, err := os.Create(n.log)
	if err != nil {
		t.Fatal(err)
	}
	n.cmd = exec.Command(os.Args[0], args...)
	n.cmd.Env = append(append(os.Environ(), nodeEnv+"=1"), env...)
	n.cmd.Stderr = logf
	// The node dies with the test, whatever way the test ends.
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := n.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = n.cmd.Wait()
		logf.Close()
		close(n.exited)
	}()
	t.Cleanup(func() {
		_ = n.cmd.Process.Kill()
		<-n.exited
		if t.Failed() {
			b, _ := os.ReadFile(n.log)
			t.Logf("node %s's log:\n%s", n.name, b)
		}
	})
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "HERALD-NODE ") {
				ready <- sc.Text()
			}
		}
		close(ready)
	}()
	select {
	case line, ok := <-ready:
		f := strings.Fields(line)
		if !ok || len(f) != 4 {
			b, _ := os.ReadFile(n.log)
			t.Fatalf("node %s did not start:\n%s", name, b)
		}
		n.url, n.queue, n.publisher = "http://"+f[1], f[2], f[3]
	case <-time.After(2 * time.Minute):
		t.Fatalf("node %s did not start within 2 minutes", name)
	}
	return n
}

// kill9 kills the node's process with SIGKILL and waits for it to be gone.
func (n *procNode) kill9(t *testing.T) {
	t.Helper()
	if err := n.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-n.exited
}

// TestThreeProcessCluster runs three Herald nodes as separate processes on
// one PostgreSQL database, an embedded NATS server and an in-process S3
// server, and kills one with SIGKILL in the middle of a burst of pushes to a
// developer server, then another in the middle of a large mass send: every
// push is delivered at least once and at most 3 times with one MsgId, the
// push log has each, and every follower gets the send exactly once.
func TestThreeProcessCluster(t *testing.T) {
	if os.Getenv(dbtest.EnvURL) == "" {
		t.Skip("the cluster test needs PostgreSQL (set " + dbtest.EnvURL + "): SQLite is one writer inside one process, not a database several nodes share")
	}
	followers := 100_000
	if testing.Short() {
		followers = 10_000
	}
	ctx := context.Background()
	start := time.Now()
	natsSrv := natstest.Start(t, nil)
	s3 := s3test.New(t)
	shared := dbtest.New(t)
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i + 1)
	}
	// This process only seeds and reads the database: its App runs no jobs
	// and serves nothing.
	seedCfg, err := config.Parse("test", []string{"--listen", "127.0.0.1:0", "--data", t.TempDir(), "--media-url", s3.MediaURL()}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	seed, err := app.New(seedCfg, slog.New(slog.DiscardHandler), dbtest.Reopen(t, shared), key, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A Service account with a developer server that holds each push for a
	// second, so that a node dies with pushes in flight; 90 signed-in
	// followers.
	bank, err := seed.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank", Status: account.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Accounts.IssueCredentials(ctx, bank.ID); err != nil { // its original id (gh_…) names it in pushes
		t.Fatal(err)
	}
	dev := newDevServer(t)
	dev.hold.Store(int64(time.Second))
	if err := seed.DevSettings.Save(ctx, &push.Settings{AccountID: bank.ID, URL: dev.URL, Token: "clustertoken", Mode: push.Plaintext, Enabled: true}, true); err != nil {
		t.Fatal(err)
	}
	const burst = 90
	var cookies []string
	for i := range burst {
		p, err := seed.Users.Create(ctx, user.NewPerson{Username: fmt.Sprintf("proc%03d", i), PasswordHash: "!"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := seed.Follows.Follow(ctx, bank.ID, p.ID, "search", ""); err != nil {
			t.Fatal(err)
		}
		session, err := seed.Users.CreateSession(ctx, p.ID, "127.0.0.1", "cluster test")
		if err != nil {
			t.Fatal(err)
		}
		cookies = append(cookies, web.SessionCookie+"="+session)
	}

	// The nodes start once the account is set up: they cache its push
	// settings, which this process, outside the cluster's NATS, does not
	// announce.
	env := []string{"HERALD_SECRET_KEY=" + hex.EncodeToString(key), "HERALD_DATABASE_URL=" + shared.URL(), "HERALD_NATS=" + natsSrv.URL(),
		"HERALD_MEDIA_URL=" + s3.MediaURL()}
	var nodes []*procNode
	for _, name := range []string{"A", "B", "C"} {
		nodes = append(nodes, startProcNode(t, name, env, "--listen", "127.0.0.1:0", "--data", t.TempDir(), "--outbound-allow", "127.0.0.0/8,::1"))
	}
	A, B, C := nodes[0], nodes[1], nodes[2]
	t.Logf("three node processes up %s after the test began", time.Since(start).Round(time.Millisecond))

	// The burst: each follower writes once, round-robin over the nodes,
	// through the follower app's HTTP form.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 30 * time.Second}
	form := url.Values{"kind": {"text"}, "text": {"Is the branch open on Sunday?"}}.Encode()
	sentAt := time.Now()
	for i := range burst {
		n := nodes[i%3]
		req, _ := http.NewRequest(http.MethodPost, n.url+"/chat/"+strconv.FormatInt(bank.ID, 10)+"/send", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", n.url)
		req.Header.Set("Cookie", cookies[i])
		req.Header.Set("Accept", "application/json") // the page's script: the answer comes live, through the work queue
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("follower %d on node %s: %v", i, n.name, err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("follower %d on node %s: HTTP %d, want 200", i, n.name, res.StatusCode)
		}
	}
	time.Sleep(150 * time.Millisecond)
	inFlight := count(t, shared, `SELECT COUNT(*) FROM work_jobs WHERE lease_owner = ?`, B.queue)
	killedAt := time.Now()
	B.kill9(t)
	t.Logf("node B (pid %d) killed with SIGKILL with %d of its pushes unfinished", B.cmd.Process.Pid, inFlight)
	if inFlight == 0 {
		t.Fatal("node B had no push in flight when it was killed: the test proves nothing")
	}
	eventually(t, "every push to finish on A and C", 90*time.Second, func() bool {
		return count(t, shared, `SELECT COUNT(*) FROM work_jobs`) == 0
	})
	t.Logf("every push done %s after node B was killed (lease %s, poll %s)", time.Since(killedAt).Round(time.Millisecond), workq.DefaultLease, workq.DefaultPoll)

	rows, err := shared.Query(ctx, `SELECT id FROM messages WHERE account_id = ? AND direction = 'in' ORDER BY id`, bank.ID)
	if err != nil {
		t.Fatal(err)
	}
	var sent []int64
	for rows.Next() {
		var mid int64
		if err := rows.Scan(&mid); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, mid)
	}
	rows.Close()
	if len(sent) != burst {
		t.Fatalf("%d follower messages stored, want %d", len(sent), burst)
	}
	got := dev.counts()
	dev.mu.Lock()
	var last time.Time
	for _, mid := range sent {
		if dev.last[mid].After(last) {
			last = dev.last[mid]
		}
	}
	dev.mu.Unlock()
	twice := 0
	for _, mid := range sent {
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
	}
	if n := count(t, shared, `SELECT COUNT(*) FROM messages WHERE account_id = ? AND sender = 'developer'`, bank.ID); n != burst {
		t.Errorf("%d passive replies in the followers' chats, want one for each of the %d messages", n, burst)
	}
	t.Logf("burst of %d pushes: %d delivered more than once, none more than %d times; the last push %s after the burst began",
		burst, twice, push.DefaultAttempts, last.Sub(sentAt).Round(time.Millisecond))
	dev.hold.Store(0)

	// A mass send to many followers; the node running it is killed with
	// SIGKILL after its first committed batches, and the last node resumes
	// it from the last committed batch.
	big, err := seed.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Big Bank", Status: account.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	base := id.NewBlock(int64(followers) + 1)
	if _, err := shared.Exec(ctx, `INSERT INTO people (id, username, display_name, password_hash, created_at, updated_at)
		SELECT CAST(? AS BIGINT) + n, 'pf' || n, 'Reader ' || n, 'x', 1, 1 FROM generate_series(1, ?) AS g(n)`, base, followers); err != nil {
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
	draft, err := seed.Publish.SaveDraft(ctx, big.ID, 0, 0, publish.DraftInput{Articles: []publish.ArticleInput{{Title: "Rates are changing", Body: "Read **this**."}}})
	if err != nil {
		t.Fatal(err)
	}
	job, err := seed.Publish.Send(ctx, big.ID, 0, draft.ID, publish.SendOptions{Mode: publish.ModeMass, At: time.Now().Add(6 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	// Its time comes: the live nodes' workers see it due and one starts it.
	if _, err := shared.Exec(ctx, `UPDATE publish_jobs SET run_at = ? WHERE id = ?`, db.Micro(time.Now()), job.ID); err != nil {
		t.Fatal(err)
	}
	var owner string
	t1 := time.Now()
	eventually(t, "the mass send to be under way", 60*time.Second, func() bool {
		var sentCount int64
		err := shared.QueryRow(ctx, `SELECT lease_owner, sent_count FROM publish_jobs WHERE id = ?`, job.ID).Scan(&owner, &sentCount)
		return err == nil && owner != "" && sentCount > 0
	})
	var victim *procNode
	for _, n := range []*procNode{A, C} {
		if n.publisher == owner {
			victim = n
		}
	}
	if victim == nil {
		t.Fatalf("the mass send runs under %q, which is no live node", owner)
	}
	sentAtKill := count(t, shared, `SELECT sent_count FROM publish_jobs WHERE id = ?`, job.ID)
	victim.kill9(t)
	t.Logf("node %s killed with SIGKILL with the mass send at %d of %d", victim.name, sentAtKill, followers)
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
	t.Logf("mass send to %d followers: each exactly once, %s from start to done with its node killed; whole test %s",
		followers, took.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

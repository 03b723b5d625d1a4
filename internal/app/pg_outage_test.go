package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/web"
)

// tcpProxy forwards connections to target until it is taken down: then
// its open connections are cut and new ones refused (the port is closed),
// as when the database's host or the network between goes away.
type tcpProxy struct {
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	p := &tcpProxy{target: target, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(func() { p.down(); p.wg.Wait() })
	return p
}

func (p *tcpProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[up] = true, true
			p.mu.Unlock()
			pipe := func(dst, src net.Conn) {
				_, _ = io.Copy(dst, src)
				dst.Close()
				src.Close()
			}
			go pipe(up, c)
			go pipe(c, up)
		}
	}()
}

// down cuts every connection and closes the port.
func (p *tcpProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// up opens the port again.
func (p *tcpProxy) up(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.serve(ln)
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// TestPostgresOutage puts a TCP proxy between a Herald node and PostgreSQL
// and takes it down for a few seconds: while the database is away, every
// request is answered at once (pages and /readyz with 503, the developer
// API with errcode -1), none hangs; nothing stored before is lost; once
// the database is back the node serves again without a restart, and a
// message a follower sends then is stored. The figures go to
// docs/cluster.md.
func TestPostgresOutage(t *testing.T) {
	if os.Getenv(dbtest.EnvURL) == "" {
		t.Skip("the outage test cuts a PostgreSQL connection (set " + dbtest.EnvURL + "); SQLite is a file inside the process")
	}
	ctx := context.Background()
	shared := dbtest.New(t)
	u, err := url.Parse(shared.URL())
	if err != nil {
		t.Fatal(err)
	}
	proxy := newTCPProxy(t, u.Host)
	u.Host = proxy.addr
	q := u.Query()
	q.Set("connect_timeout", "5")
	u.RawQuery = q.Encode()
	d, err := db.Open(ctx, u.String(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	cfg := testConfig(t)
	a, err := app.New(cfg, slog.New(slog.DiscardHandler), d, bytes.Repeat([]byte{9}, 32), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	a.StartJobs()
	t.Cleanup(func() { _ = a.Jobs.Stop(context.Background()); a.Queue.Wait() })

	acc, err := a.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank", Status: account.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.DB.Exec(ctx, `UPDATE accounts SET verified_until = ? WHERE id = ?`, time.Now().AddDate(1, 0, 0).UnixMicro(), acc.ID); err != nil {
		t.Fatal(err)
	}
	cred, err := a.Accounts.IssueCredentials(ctx, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Users.Create(ctx, user.NewPerson{Username: "mei", PasswordHash: "!"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := a.Follows.Follow(ctx, acc.ID, p.ID, "search", "")
	if err != nil {
		t.Fatal(err)
	}
	session, err := a.Users.CreateSession(ctx, p.ID, "127.0.0.1", "outage test")
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(srv.URL + "/cgi-bin/token?" + url.Values{"grant_type": {"client_credential"}, "appid": {cred.AppID}, "secret": {cred.AppSecret}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %v", err)
	}

	type probe struct {
		name string
		do   func() (*http.Response, error)
		// ok reports whether the answer is the one the database being
		// there gives.
		ok func(status int, body []byte) bool
	}
	sent := 0
	chatSend := func() (*http.Response, error) {
		sent++
		form := url.Values{"kind": {"text"}, "text": {fmt.Sprintf("message %d", sent)}}.Encode()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/chat/"+strconv.FormatInt(acc.ID, 10)+"/send", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", srv.URL)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Cookie", web.SessionCookie+"="+session)
		return client.Do(req)
	}
	probes := []probe{
		{"GET /readyz", func() (*http.Response, error) { return client.Get(srv.URL + "/readyz") },
			func(s int, _ []byte) bool { return s == http.StatusOK }},
		{"GET /cgi-bin/user/info", func() (*http.Response, error) {
			return client.Get(srv.URL + "/cgi-bin/user/info?" + url.Values{"access_token": {tok.AccessToken}, "openid": {f.OpenID}}.Encode())
		}, func(s int, b []byte) bool { return s == http.StatusOK && !bytes.Contains(b, []byte(`"errcode"`)) }},
		{"POST /chat/{account}/send", chatSend, func(s int, _ []byte) bool { return s == http.StatusOK }},
	}
	call := func(pr probe) (int, []byte, time.Duration) {
		t.Helper()
		start := time.Now()
		res, err := pr.do()
		if err != nil {
			// The client's 30 s timeout: the request hung.
			t.Fatalf("%s: %v after %s", pr.name, err, time.Since(start).Round(time.Millisecond))
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res.StatusCode, b, time.Since(start)
	}
	// Before: everything answers, three messages are stored.
	for range 3 {
		for _, pr := range probes {
			if s, b, _ := call(pr); !pr.ok(s, b) {
				t.Fatalf("%s before the outage: HTTP %d %.200s", pr.name, s, b)
			}
		}
	}
	storedBefore := count(t, shared, `SELECT COUNT(*) FROM messages WHERE account_id = ? AND direction = 'in'`, acc.ID)
	if storedBefore != 3 {
		t.Fatalf("%d messages stored before the outage, want 3", storedBefore)
	}

	// The outage: 3 s of requests against a node whose database is gone.
	var infoBefore []byte
	for _, pr := range probes {
		if pr.name == "GET /cgi-bin/user/info" {
			_, infoBefore, _ = call(pr)
		}
	}
	refusedInfo := 0
	proxy.down()
	downAt := time.Now()
	slowest := map[string]time.Duration{}
	answered := map[string]int{}
	for time.Since(downAt) < 3*time.Second {
		for _, pr := range probes {
			s, b, took := call(pr)
			slowest[pr.name] = max(slowest[pr.name], took)
			answered[pr.name]++
			switch {
			case pr.name == "GET /cgi-bin/user/info":
				// The developer API answers as WeChat does when it cannot
				// serve: errcode -1, "system error"; or, for at most 2 s
				// after it was read, from its cache of user/info answers
				// (the database, being away, cannot have changed them).
				var r struct {
					ErrCode int `json:"errcode"`
				}
				if bytes.Equal(b, infoBefore) {
					answered["user/info from the cache"]++
					break
				}
				if err := json.Unmarshal(b, &r); err != nil || r.ErrCode != -1 {
					t.Fatalf("%s while the database is away: HTTP %d %.200s, want errcode -1", pr.name, s, b)
				}
				refusedInfo++
			case s != http.StatusServiceUnavailable:
				t.Fatalf("%s while the database is away: HTTP %d %.200s, want 503", pr.name, s, b)
			}
		}
	}
	for _, pr := range probes {
		t.Logf("database away: %s answered %d times, the slowest in %s", pr.name, answered[pr.name], slowest[pr.name].Round(time.Millisecond))
	}
	t.Logf("database away: user/info answered from its cache %d times, refused %d times", answered["user/info from the cache"], refusedInfo)
	if refusedInfo == 0 {
		t.Error("user/info was answered from its cache for 3 s of outage: its answers are kept at most 2 s")
	}

	// Back: each request works again by itself, on the node that never
	// restarted.
	proxy.up(t)
	upAt := time.Now()
	for _, pr := range probes {
		eventually(t, pr.name+" after the database came back", time.Minute, func() bool {
			s, b, _ := call(pr)
			return pr.ok(s, b)
		})
		t.Logf("database back: %s served again %s after", pr.name, time.Since(upAt).Round(time.Millisecond))
	}
	// Nothing stored before is lost; the message sent after is stored;
	// none of the refused ones is.
	if got := count(t, shared, `SELECT COUNT(*) FROM messages WHERE account_id = ? AND direction = 'in'`, acc.ID); got != storedBefore+1 {
		t.Fatalf("%d follower messages stored after the outage, want the %d from before and the one sent after", got, storedBefore)
	}
	if _, err := a.Queue.ClaimDue(ctx); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("the work queue after the outage: %v", err)
	}
	t.Logf("load average %s", loadAverage())
}

package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/natsbus"
	"github.com/heraldoa/herald/internal/natsbus/natstest"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/web"
)

// benchCluster is n Herald nodes in this process on one database and one
// embedded NATS server, with a Service account, its access token and 500
// signed-in followers.
type benchCluster struct {
	urls    []string
	token   string
	account int64
	openids []string
	cookies []string
	client  *http.Client
}

func newBenchCluster(b *testing.B, n int) *benchCluster {
	b.Helper()
	ctx := context.Background()
	nats := natstest.Start(b, nil)
	d := dbtest.New(b)
	cfg := testConfig(b)
	key := bytes.Repeat([]byte{7}, 32)
	log := slog.New(slog.DiscardHandler)
	c := &benchCluster{client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	var first *app.App
	for i := range n {
		bus, err := natsbus.Connect(ctx, natsbus.Options{URLs: nats.URL()})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { bus.Close() })
		a, err := app.New(cfg, log, dbtest.Reopen(b, d), key, app.Options{Bus: bus})
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(a.Handler())
		b.Cleanup(srv.Close)
		c.urls = append(c.urls, srv.URL)
		if i == 0 {
			first = a
		}
	}
	acc, err := first.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank", Status: account.StatusActive})
	if err != nil {
		b.Fatal(err)
	}
	c.account = acc.ID
	// Verified for a year: user/info needs it.
	if _, err := first.DB.Exec(ctx, `UPDATE accounts SET verified_until = ? WHERE id = ?`, time.Now().AddDate(1, 0, 0).UnixMicro(), acc.ID); err != nil {
		b.Fatal(err)
	}
	cred, err := first.Accounts.IssueCredentials(ctx, acc.ID)
	if err != nil {
		b.Fatal(err)
	}
	res, err := c.client.Get(c.urls[0] + "/cgi-bin/token?" + url.Values{"grant_type": {"client_credential"}, "appid": {cred.AppID}, "secret": {cred.AppSecret}}.Encode())
	if err != nil {
		b.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	if err != nil || tok.AccessToken == "" {
		b.Fatalf("token: %v", err)
	}
	c.token = tok.AccessToken
	hash, err := user.HashPassword("a long enough secret")
	if err != nil {
		b.Fatal(err)
	}
	for i := range 500 {
		p, err := first.Users.Create(ctx, user.NewPerson{Username: fmt.Sprintf("sender%03d", i), PasswordHash: hash})
		if err != nil {
			b.Fatal(err)
		}
		f, err := first.Follows.Follow(ctx, acc.ID, p.ID, "search", "")
		if err != nil {
			b.Fatal(err)
		}
		session, err := first.Users.CreateSession(ctx, p.ID, "127.0.0.1", "bench")
		if err != nil {
			b.Fatal(err)
		}
		c.openids = append(c.openids, f.OpenID)
		c.cookies = append(c.cookies, web.SessionCookie+"="+session)
	}
	return c
}

// run sends requests made by req from 8 goroutines, round-robin over the
// nodes, and reports requests per second.
func (c *benchCluster) run(b *testing.B, req func(i int64, base string) *http.Request, want int) {
	var next atomic.Int64
	b.SetParallelism(4) // 8 client goroutines on 2 CPUs
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			res, err := c.client.Do(req(i, c.urls[int(i)%len(c.urls)]))
			if err != nil {
				b.Error(err)
				return
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != want || bytes.Contains(body, []byte(`"errcode":4`)) {
				b.Errorf("status %d: %.200s", res.StatusCode, body)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkNodesUserInfo: the developer API's user/info (token check,
// quota taken in the database, follower read) on 1 and 3 nodes.
func BenchmarkNodesUserInfo(b *testing.B) {
	for _, n := range []int{1, 3} {
		b.Run("nodes="+strconv.Itoa(n), func(b *testing.B) {
			c := newBenchCluster(b, n)
			c.run(b, func(i int64, base string) *http.Request {
				r, _ := http.NewRequest(http.MethodGet, base+"/cgi-bin/user/info?"+url.Values{"access_token": {c.token},
					"openid": {c.openids[i%int64(len(c.openids))]}, "lang": {"zh_CN"}}.Encode(), nil)
				return r
			}, http.StatusOK)
		})
	}
}

// BenchmarkNodesChatSend: followers post text messages (rate limit taken in
// the database, message stored, announced over NATS, responders run) on 1
// and 3 nodes; 500 followers take turns, within their sending limit.
func BenchmarkNodesChatSend(b *testing.B) {
	for _, n := range []int{1, 3} {
		b.Run("nodes="+strconv.Itoa(n), func(b *testing.B) {
			c := newBenchCluster(b, n)
			path := "/chat/" + strconv.FormatInt(c.account, 10) + "/send"
			form := url.Values{"kind": {"text"}, "text": {"Is the branch open on Sunday?"}}.Encode()
			c.run(b, func(i int64, base string) *http.Request {
				r, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.Header.Set("Origin", base)
				r.Header.Set("Cookie", c.cookies[i%int64(len(c.cookies))])
				return r
			}, http.StatusSeeOther)
		})
	}
}

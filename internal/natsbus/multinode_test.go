package natsbus_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/app"
	"github.com/heraldoa/herald/internal/config"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/user"
)

// TestTwoNodesOneConversation runs two Herald nodes on one database, each
// with its own NATS connection: a message stored through node A reaches the
// follower's live stream on node B.
func TestTwoNodesOneConversation(t *testing.T) {
	addr := server(t)
	d := dbtest.New(t)
	cfg, err := config.Parse("test", []string{"--listen", "127.0.0.1:0", "--data", t.TempDir()}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := cfg.LoadSecret()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	node := func() *app.App {
		bus := dial(t, addr)
		a, err := app.New(cfg, log, d, secret, app.Options{Bus: bus})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	nodeA, nodeB := node(), node()
	srvB := httptest.NewServer(nodeB.Handler())
	defer srvB.Close()

	ctx := context.Background()
	p, err := nodeA.Users.Create(ctx, user.NewPerson{Username: "mei", Password: "a long enough secret"})
	if err != nil {
		t.Fatal(err)
	}
	bank, err := nodeA.Accounts.Create(ctx, account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Harbour Bank", Status: account.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nodeA.Follows.Follow(ctx, bank.ID, p.ID, "search", ""); err != nil {
		t.Fatal(err)
	}

	// mei signs in on node B and opens her live stream there.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodPost, srvB.URL+"/login", strings.NewReader(url.Values{"login": {"mei"}, "password": {"a long enough secret"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", srvB.URL)
	res, err := client.Do(req)
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in on node B: %v %v", res, err)
	}
	res.Body.Close()
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, _ = http.NewRequestWithContext(sctx, http.MethodGet, srvB.URL+"/events", nil)
	res, err = client.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("events on node B: %v %v", res, err)
	}
	defer res.Body.Close()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func(prefix string) string {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatal("the stream ended")
				}
				if strings.HasPrefix(l, prefix) {
					return l
				}
			case <-timeout:
				t.Fatalf("no %q line", prefix)
			}
		}
	}
	next("event: ready")

	// The bank answers through node A.
	m := &message.Message{AccountID: bank.ID, PersonID: p.ID, Direction: message.Out, Kind: message.KindText, Sender: message.SenderAgent,
		Body: message.Body{Text: "Stored on node A"}}
	if err := nodeA.Messages.Append(ctx, m); err != nil {
		t.Fatal(err)
	}
	next("event: message")
	if data := next("data: "); !strings.Contains(data, "Stored on node A") {
		t.Fatalf("node B streamed %s", data)
	}
}

package push

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/i18n"
)

// A burst of pushes to one developer server keeps at most MaxPerEndpoint
// requests open at once; the rest wait their turn and all arrive.
func TestConcurrentPushesPerEndpointAreCapped(t *testing.T) {
	var open, peak, served atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := open.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
		open.Add(-1)
		served.Add(1)
		_, _ = w.Write([]byte("success"))
	}))
	defer srv.Close()
	e := NewEngine(Deps{Client: &http.Client{}}, Options{MaxPerEndpoint: 3})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if status, _, err := e.post(context.Background(), srv.URL+"/wx?signature=x", "<xml/>"); err != nil || status != http.StatusOK {
				t.Errorf("push: %d %v", status, err)
			}
		})
	}
	wg.Wait()
	if served.Load() != 20 {
		t.Fatalf("%d of 20 pushes arrived", served.Load())
	}
	if peak.Load() > 3 {
		t.Fatalf("%d requests open at once to one server, cap 3", peak.Load())
	}

	// A push that cannot get a slot before its context ends says so.
	hold := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-hold }))
	defer slow.Close()
	defer close(hold)
	e2 := NewEngine(Deps{Client: &http.Client{}}, Options{MaxPerEndpoint: 1, Timeout: 5 * time.Second})
	go func() { _, _, _ = e2.post(context.Background(), slow.URL, "") }()
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, _, err := e2.post(ctx, slow.URL, ""); err == nil {
		t.Fatal("a push past the cap did not wait")
	}
}

// With several nodes each takes its share of the cap, so the cluster as a
// whole keeps MaxPerEndpoint: 6 over 3 live nodes is 2 on this one, and the
// share follows the node count as it changes.
func TestPushCapIsSharedByTheLiveNodes(t *testing.T) {
	var open, peak atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := open.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(30 * time.Millisecond)
		open.Add(-1)
		_, _ = w.Write([]byte("success"))
	}))
	defer srv.Close()
	var nodes atomic.Int32
	nodes.Store(3)
	e := NewEngine(Deps{Client: &http.Client{}, Nodes: func() int { return int(nodes.Load()) }}, Options{MaxPerEndpoint: 6})
	burst := func() int32 {
		peak.Store(0)
		var wg sync.WaitGroup
		for range 12 {
			wg.Go(func() {
				if status, _, err := e.post(context.Background(), srv.URL+"/wx", "<xml/>"); err != nil || status != http.StatusOK {
					t.Errorf("push: %d %v", status, err)
				}
			})
		}
		wg.Wait()
		return peak.Load()
	}
	if p := burst(); p != 2 {
		t.Fatalf("3 nodes, cap 6: %d requests open at once on this node, want 2", p)
	}
	nodes.Store(1)
	if p := burst(); p < 3 || p > 6 {
		t.Fatalf("1 node, cap 6: %d requests open at once, want more than the 3-node share and at most 6", p)
	}
	nodes.Store(0) // no lease read yet: counts as one node
	if got := e.perNode(); got != 6 {
		t.Fatalf("share with no node count: %d, want 6", got)
	}
	nodes.Store(50) // more nodes than slots: still one each
	if got := e.perNode(); got != 1 {
		t.Fatalf("share with 50 nodes: %d, want 1", got)
	}
}

// The log's checks column reads back as it was written, whatever the
// values hold (markup, quotes, control characters, Chinese, bad UTF-8 is
// replaced as encoding/json replaces it), and entries logged as English
// prose before codes still read as prose.
func TestChecksColumnRoundTrips(t *testing.T) {
	for _, checks := range [][]Check{
		{},
		{check(true, "sign", "1700000000", "42", "0f")},
		{check(false, "try.status", "1", "500", "3ms"), check(true, "parse.to", "<b>&\"quoted\"\\ \n\t é 中文 \u2028 \x01", "")},
	} {
		col := checksColumn(checks)
		if !json.Valid([]byte(col)) {
			t.Fatalf("checksColumn(%v) = %s: not JSON", checks, col)
		}
		if got := parseChecks(col); fmt.Sprint(got) != fmt.Sprint(checks) {
			t.Errorf("parseChecks(%s) = %v, want %v", col, got, checks)
		}
	}
	legacy := parseChecks(`[{"step":"Sign the request","ok":true,"detail":"signature = sha1 of a, b = 0f"}]`)
	if len(legacy) != 1 || !legacy[0].Legacy() || legacy[0].StepIn(english()) != "Sign the request" || legacy[0].DetailIn(nil) != "signature = sha1 of a, b = 0f" {
		t.Errorf("legacy checks read as %+v", legacy)
	}
	if got := parseChecks("null"); len(got) != 0 {
		t.Errorf("null checks read as %v", got)
	}
}

// A push's query string is the one url.Values would encode (the push log
// shows it, and developers' servers read it).
func TestPushQueryMatchesURLValues(t *testing.T) {
	for _, msgSig := range []string{"", "5a6b7c"} {
		q := url.Values{}
		q.Set("signature", "0f1e2d")
		q.Set("timestamp", "1700000000")
		q.Set("nonce", "12345")
		q.Set("openid", "o+a/b c&d")
		if msgSig != "" {
			q.Set("encrypt_type", "aes")
			q.Set("msg_signature", msgSig)
		}
		if got, want := pushQuery("0f1e2d", "1700000000", "12345", "o+a/b c&d", msgSig), q.Encode(); got != want {
			t.Errorf("pushQuery = %s, want %s", got, want)
		}
	}
}

// Every code of the push log is written from the catalogue's pushlog.json
// in every language, so no check shows in English on a Chinese page.
func TestEveryNoteHasItsTexts(t *testing.T) {
	cat, err := i18n.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for code, nt := range noteTexts {
		for _, key := range []string{nt.step, nt.format, "%s: %s"} {
			if key == "" || key == "%s" {
				continue
			}
			for _, l := range i18n.Langs {
				if !cat.Has(l, key) || cat.Area(l, key) != "pushlog.json" {
					t.Errorf("%s: %s lacks %q in pushlog.json", code, l, key)
				}
			}
		}
	}
	zh := cat.Locale(i18n.Simplified)
	d := check(false, "delivery", nest(note("why.timeout", "5s"), "3")...)
	if got := d.DetailIn(zh); got != "尝试 3 次后仍无可用应答：5s 内无应答" {
		t.Errorf("nested note in Chinese: %q", got)
	}
	if got := d.DetailIn(nil); got != "No usable answer after 3 attempts: no answer within 5s" {
		t.Errorf("nested note in English: %q", got)
	}
	if got := check(true, "try", "2", "3ms", "7").StepIn(zh); got != "第 2 次尝试" {
		t.Errorf("step in Chinese: %q", got)
	}
}

// A network error in Go's words is written as the sentence of its kind in
// the reader's language, the error itself after it as content in English
// (Content, ContentLang), also where it is nested in a check; an error of
// no known kind is "the connection failed".
func TestNetworkErrorsAreSentencesOfTheirKind(t *testing.T) {
	cat, err := i18n.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range append(netFailures, struct {
		match []string
		text  string
	}{nil, "the connection failed"}) {
		for _, l := range i18n.Langs {
			if !cat.Has(l, k.text) || cat.Area(l, k.text) != "pushlog.json" {
				t.Errorf("%s lacks %q in pushlog.json", l, k.text)
			}
		}
	}
	zh := cat.Locale(i18n.Simplified)
	for raw, want := range map[string]string{
		"dial tcp 203.0.113.9:443: connect: connection refused":                            "服务器拒绝了连接",
		"dial tcp: lookup bot.example.invalid on 127.0.0.53:53: no such host":              "找不到服务器的域名",
		"read tcp 10.0.0.2:5555->203.0.113.9:443: i/o timeout":                             "未按时应答",
		"tls: failed to verify certificate: x509: certificate signed by unknown authority": "安全连接（HTTPS）失败",
		"read tcp 10.0.0.2:5555->203.0.113.9:443: read: connection reset by peer":          "服务器在应答前关闭了连接",
		"dial tcp 203.0.113.9:443: connect: network is unreachable":                        "无法到达服务器所在的网络",
		"something else entirely": "连接失败",
	} {
		n := why(fmt.Errorf("x: %w", errors.New(raw)))
		if n.Code != "why.error" {
			t.Fatalf("%s: code %s", raw, n.Code)
		}
		if got := n.Label(zh); got != want {
			t.Errorf("%s: label %q, want %q", raw, got, want)
		}
		c := check(false, "try.error", nest(n, "2", "3s")...)
		if got := c.Note().Label(zh); got != "3s 后失败："+want && !strings.Contains(got, want) {
			t.Errorf("%s: nested label %q", raw, got)
		}
		if strings.Contains(c.Note().Label(zh), raw) || c.Note().Content() != raw || c.Note().ContentLang() != "en" {
			t.Errorf("%s: the error is not content after the sentence: %q / %q / %q", raw, c.Note().Label(zh), c.Note().Content(), c.Note().ContentLang())
		}
	}
	if got := note("why.error", "dial tcp: connection refused").English(); got != "the server refused the connection: dial tcp: connection refused" {
		t.Errorf("in English: %q", got)
	}
}

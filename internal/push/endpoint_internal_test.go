package push

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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
			if status, _, err := e.post(context.Background(), srv.URL+"/wx?signature=x", []byte("<xml/>")); err != nil || status != http.StatusOK {
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
	go func() { _, _, _ = e2.post(context.Background(), slow.URL, nil) }()
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, _, err := e2.post(ctx, slow.URL, nil); err == nil {
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
				if status, _, err := e.post(context.Background(), srv.URL+"/wx", []byte("<xml/>")); err != nil || status != http.StatusOK {
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

// The log's checks column is what encoding/json would write, so entries
// written before and after read back the same.
func TestChecksJSONMatchesEncodingJSON(t *testing.T) {
	for _, checks := range [][]Check{
		nil,
		{},
		{{Step: "Sign the request", OK: true, Detail: "signature = sha1 of a, b = 0f"}},
		{{Step: "Attempt 1", OK: false, Detail: "HTTP 500 in 3ms; <b>&\"quoted\"\\ \n\t é 中文 \u2028 \x01"}, {Step: "", OK: true, Detail: "\xff bad utf-8"}},
	} {
		want, _ := json.Marshal(checks)
		if got := checksJSON(checks); got != string(want) {
			t.Errorf("checksJSON(%v) = %s, want %s", checks, got, want)
		}
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

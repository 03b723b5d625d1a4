package push

import (
	"context"
	"net/http"
	"net/http/httptest"
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
	e := &Engine{MaxPerEndpoint: 3, Client: &http.Client{}}
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
	e2 := &Engine{MaxPerEndpoint: 1, Client: &http.Client{}, Timeout: 5 * time.Second}
	go func() { _, _, _ = e2.post(context.Background(), slow.URL, nil) }()
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, _, err := e2.post(ctx, slow.URL, nil); err == nil {
		t.Fatal("a push past the cap did not wait")
	}
}

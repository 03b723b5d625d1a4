package wxapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heraldoa/herald/heraldtest"
)

// BenchmarkUserInfo is an in-process view of the token-authenticated read
// that scripts/bench-api measures with wrk against `herald serve`.
func BenchmarkUserInfo(b *testing.B) {
	h := heraldtest.New(b)
	c := &client{base: h.URL}
	r, err := http.Get(h.URL + "/cgi-bin/token?grant_type=client_credential&appid=" + h.Service.AppID + "&secret=" + h.Service.AppSecret)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	tok := string(body[len(`{"access_token":"`) : len(`{"access_token":"`)+136])
	u := c.base + "/cgi-bin/user/info?" + url.Values{"access_token": {tok}, "openid": {h.Service.Followers[0].OpenID}}.Encode()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	hc := &http.Client{Transport: tr}
	b.ResetTimer()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := hc.Get(u)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
}

// BenchmarkUserInfoHandler serves user/info through the application's
// handler with no network in between, so what it reports is the server's
// own work per call: allocations, database statements (queries/op) and the
// process's CPU time (cpu-ns/op, which load moves far less than wall time).
func BenchmarkUserInfoHandler(b *testing.B) {
	h := heraldtest.New(b)
	s := h.Internal()
	handler := s.HTTP.Config.Handler
	get := func(target string) *httptest.ResponseRecorder {
		// Cancellable, as a server's request context is (see servePage
		// in internal/ui).
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		req.RemoteAddr = "127.0.0.1:1234"
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		return rec
	}
	body := get("/cgi-bin/token?grant_type=client_credential&appid=" + h.Service.AppID + "&secret=" + h.Service.AppSecret).Body.String()
	tok := body[len(`{"access_token":"`) : len(`{"access_token":"`)+136]
	target := "/cgi-bin/user/info?" + url.Values{"access_token": {tok}, "openid": {h.Service.Followers[0].OpenID}}.Encode()
	if rec := get(target); !strings.Contains(rec.Body.String(), `"subscribe":1`) {
		b.Fatalf("user/info: %s", rec.Body.String())
	}
	b.Run("serial", func(b *testing.B) {
		start, cpu := s.App.DB.Statements(), processCPU()
		b.ReportAllocs()
		for b.Loop() {
			if rec := get(target); rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
		b.ReportMetric(float64(s.App.DB.Statements()-start)/float64(b.N), "queries/op")
		b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
	})
	// Every call a miss of the user/info cache (as for a developer asking
	// about many followers, each once): the global follower generation
	// moves before each call, as an undeclared write of follower data
	// would move it.
	b.Run("serial-miss", func(b *testing.B) {
		start, cpu := s.App.DB.Statements(), processCPU()
		b.ReportAllocs()
		for b.Loop() {
			s.App.DB.FollowerDataChanged()
			if rec := get(target); rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
		b.ReportMetric(float64(s.App.DB.Statements()-start)/float64(b.N), "queries/op")
		b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
	})
	// 50 callers at once, as scripts/bench-api's 50 wrk connections: shows
	// what concurrency adds or saves (pool waits, quota batching), and the
	// tail of the calls' wall time (p99-ns; a call that waits for another's
	// statement shows there, whatever the load moves).
	b.Run("parallel50", func(b *testing.B) {
		b.SetParallelism(25) // × GOMAXPROCS (2 here) goroutines
		var mu sync.Mutex
		var took []time.Duration
		start, cpu := s.App.DB.Statements(), processCPU()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			mine := make([]time.Duration, 0, 1024)
			for pb.Next() {
				t0 := time.Now()
				if rec := get(target); rec.Code != http.StatusOK {
					b.Errorf("status %d", rec.Code)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			took = append(took, mine...)
			mu.Unlock()
		})
		b.ReportMetric(float64(s.App.DB.Statements()-start)/float64(b.N), "queries/op")
		b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
		if len(took) > 0 {
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)*99/100]), "p99-ns")
		}
	})
}

// processCPU is the CPU time this process has used (user and system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

package ui_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/demo"
)

// demoFollower seeds the demo platform and returns the server, the signed-in
// demo follower's session cookie and the four pages scripts/bench-follower
// measures: the chat list, an article, a conversation and the
// Subscriptions folder.
func demoFollower(b testing.TB) (*apptest.Server, *http.Cookie, map[string]string) {
	b.Helper()
	s := apptest.New(b)
	if _, err := demo.Seed(context.Background(), s.App); err != nil {
		b.Fatal(err)
	}
	c := s.Client(b)
	if res := c.SignIn("mei", "follower-demo"); res.Status != http.StatusSeeOther {
		b.Fatalf("sign-in: %d", res.Status)
	}
	cookie := &http.Cookie{Name: "herald_session", Value: c.Cookie("herald_session")}
	home := c.Get("/")
	chat := regexp.MustCompile(`href="(/chat/[0-9]+)"`).FindStringSubmatch(home.Body)
	folder := c.Get("/subscriptions")
	article := regexp.MustCompile(`href="(/s/[0-9A-Za-z]+)`).FindStringSubmatch(folder.Body)
	if chat == nil || article == nil {
		b.Fatal("the demo follower has no chat or no article")
	}
	return s, cookie, map[string]string{"home": "/", "article": article[1], "chat": chat[1], "subscriptions": "/subscriptions"}
}

// servePage renders path for the session's person through h, without the
// network, and returns the status.
func servePage(h http.Handler, cookie *http.Cookie, path string) int {
	// A server's request has a context that ends with the connection:
	// database/sql and the driver watch such a context during each
	// statement (httptest's own context never ends, and is not watched).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	req.RemoteAddr = "127.0.0.1:1234"
	req.Header.Set("Accept", "text/html")
	req.AddCookie(cookie)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// followerPageQueries is how many database statements each follower page
// runs when nothing has changed since the previous view: the page's own
// reads, the first of which also reads the session with its person (the
// session middleware leaves it to these pages). A page that starts
// reading per row (N+1), writing on every view or reading the session on
// its own goes over.
var followerPageQueries = map[string]int64{"home": 3, "article": 2, "chat": 2, "subscriptions": 2}

// TestFollowerPageQueries holds the follower pages to exactly their
// statement budgets (a count, so it does not depend on the machine's speed or load).
func TestFollowerPageQueries(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("seeds the demo platform")
	}
	s, cookie, pages := demoFollower(t)
	h := s.HTTP.Config.Handler
	for name, budget := range followerPageQueries {
		get := func() {
			if code := servePage(h, cookie, pages[name]); code != http.StatusOK {
				t.Fatalf("GET %s: %d", pages[name], code)
			}
		}
		get() // the first view may mark things read
		start := s.App.DB.Statements()
		get()
		// Exactly the budget: a page that needs fewer lowers its budget, so
		// that a statement added later shows here.
		if n := s.App.DB.Statements() - start; n != budget {
			t.Errorf("GET %s ran %d statements, the budget is %d", pages[name], n, budget)
		}
	}
}

// BenchmarkFollowerPages renders the demo follower's pages through the
// application's handler (no network), reporting the database statements
// run per page (queries/op) beside time and allocations.
func BenchmarkFollowerPages(b *testing.B) {
	s, cookie, pages := demoFollower(b)
	h := s.HTTP.Config.Handler
	for _, name := range []string{"home", "article", "chat", "subscriptions"} {
		b.Run(name, func(b *testing.B) {
			get := func() {
				if code := servePage(h, cookie, pages[name]); code != http.StatusOK {
					b.Fatalf("GET %s: %d", pages[name], code)
				}
			}
			get()
			start, cpu := s.App.DB.Statements(), processCPU()
			b.ReportAllocs()
			for b.Loop() {
				get()
			}
			b.ReportMetric(float64(s.App.DB.Statements()-start)/float64(b.N), "queries/op")
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkFollowerPagesParallel renders each page from 100 goroutines at
// once (as wrk's 100 connections do): where the sequential benchmark shows
// the work per page, this one shows contention (pool waits, locks).
func BenchmarkFollowerPagesParallel(b *testing.B) {
	s, cookie, pages := demoFollower(b)
	h := s.HTTP.Config.Handler
	for _, name := range []string{"home", "article", "chat", "subscriptions"} {
		b.Run(name, func(b *testing.B) {
			b.SetParallelism(50) // × GOMAXPROCS goroutines
			b.ReportAllocs()
			cpu := processCPU()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if code := servePage(h, cookie, pages[name]); code != http.StatusOK {
						b.Errorf("GET %s: %d", pages[name], code)
						return
					}
				}
			})
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is the CPU time this process has used (user and system): on a
// shared machine it varies far less with other work than wall time does.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

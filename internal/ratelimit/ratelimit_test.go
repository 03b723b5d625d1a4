package ratelimit_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/ratelimit"
)

func TestBurstThenOneEveryInterval(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	c := &clock.Offset{}
	l := ratelimit.New(d, c, "signup:", 30*time.Second, 5)
	for i := range 5 {
		if ok, err := l.Allow(ctx, "10.0.0.1"); err != nil || !ok {
			t.Fatalf("event %d refused: %v", i+1, err)
		}
	}
	ok, wait, err := l.Take(ctx, "10.0.0.1")
	if err != nil || ok {
		t.Fatalf("the sixth event at once was allowed (%v)", err)
	}
	if wait <= 25*time.Second || wait > 30*time.Second {
		t.Fatalf("retry after %v, want about 30s", wait)
	}
	if b, _ := l.Blocked(ctx, "10.0.0.1"); !b {
		t.Fatal("Blocked says there is room")
	}
	// Another key, and the same key under another limiter, are separate.
	if ok, _ := l.Allow(ctx, "10.0.0.2"); !ok {
		t.Fatal("another client was refused")
	}
	if ok, _ := ratelimit.New(d, c, "chat:", time.Second, 1).Allow(ctx, "10.0.0.1"); !ok {
		t.Fatal("another limiter shares the bucket")
	}
	c.Advance(31 * time.Second)
	if ok, _ := l.Allow(ctx, "10.0.0.1"); !ok {
		t.Fatal("no room after the interval")
	}
	if ok, _ := l.Allow(ctx, "10.0.0.1"); ok {
		t.Fatal("two events after one interval")
	}
	if err := l.Reset(ctx, "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := l.Allow(ctx, "10.0.0.1"); !ok {
		t.Fatal("refused after Reset")
	}
	// Full buckets are swept; partly used ones stay.
	c.Advance(10 * time.Minute)
	if ok, _ := l.Allow(ctx, "10.0.0.3"); !ok {
		t.Fatal("refused")
	}
	n, err := ratelimit.Sweep(ctx, d, c)
	if err != nil || n != 3 {
		t.Fatalf("swept %d rows (%v), want 3", n, err)
	}
	if b, _ := l.Blocked(ctx, "10.0.0.3"); b {
		t.Fatal("blocked after one event")
	}
}

// TestExactAcrossNodes takes a burst of 10 through three handles on one
// database (three nodes) from many goroutines at once: exactly 10 pass.
func TestExactAcrossNodes(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	nodes := []*ratelimit.Limiter{
		ratelimit.New(d, nil, "chat:", time.Hour, 10),
		ratelimit.New(dbtest.Reopen(t, d), nil, "chat:", time.Hour, 10),
		ratelimit.New(dbtest.Reopen(t, d), nil, "chat:", time.Hour, 10),
	}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for g := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				ok, err := nodes[g%3].Allow(ctx, "person-1")
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					allowed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := allowed.Load(); n != 10 {
		t.Fatalf("%d events allowed across three nodes, want exactly 10", n)
	}
}

func BenchmarkAllow(b *testing.B) {
	ctx := context.Background()
	d := dbtest.New(b)
	l := ratelimit.New(d, nil, "chat:", time.Microsecond, 1000)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := l.Allow(ctx, "k"); err != nil {
			b.Fatal(err)
		}
	}
}

package lease_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/lease"
)

func TestOneHolderUntilExpiry(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	a, b := lease.New(d, "node-a"), lease.New(dbtest.Reopen(t, d), "node-b")
	if ok, _, err := a.Take(ctx, "job:x", time.Second); err != nil || !ok {
		t.Fatalf("a could not take a free lease: %v", err)
	}
	if ok, _, _ := b.Take(ctx, "job:x", time.Second); ok {
		t.Fatal("b took a lease a holds")
	}
	if ok, _, _ := a.Take(ctx, "job:x", time.Second); !ok {
		t.Fatal("a could not take its own lease again")
	}
	if h, _, _ := b.Current(ctx, "job:x"); h != "node-a" {
		t.Fatalf("holder %q", h)
	}
	if held, _ := a.Renew(ctx, "job:x", 300*time.Millisecond); !held {
		t.Fatal("a could not renew")
	}
	time.Sleep(400 * time.Millisecond) // a "dies": no renewal
	if h, _, _ := b.Current(ctx, "job:x"); h != "" {
		t.Fatalf("expired lease still held by %q", h)
	}
	if ok, _, _ := b.Take(ctx, "job:x", time.Minute); !ok {
		t.Fatal("b could not take an expired lease")
	}
	if held, _ := a.Renew(ctx, "job:x", time.Minute); held {
		t.Fatal("a renewed a lease b took over")
	}
	// Released with a time before which nobody may take it.
	if err := b.Release(ctx, "job:x", 0); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := a.Take(ctx, "job:x", time.Minute); !ok {
		t.Fatal("a could not take a released lease")
	}
	_, start, _ := a.Take(ctx, "job:y", time.Minute)
	if err := a.Release(ctx, "job:y", start+int64(time.Hour/time.Microsecond)); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := b.Take(ctx, "job:y", time.Minute); ok {
		t.Fatal("b took a lease released until an hour later")
	}
}

// TestConcurrentTake: eight nodes race for one lease; exactly one wins.
func TestConcurrentTake(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	var wins atomic.Int64
	var wg sync.WaitGroup
	for i := range 8 {
		s := lease.New(dbtest.Reopen(t, d), "node-"+string(rune('a'+i)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, _, err := s.Take(ctx, "leader", time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d nodes hold the lease", wins.Load())
	}
}

// LiveNodes counts the node numbers held now: other leases do not count,
// and a node whose number lapsed no longer does.
func TestLiveNodesCountsHeldNodeNumbers(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	a, b := lease.New(d, "node-a"), lease.New(dbtest.Reopen(t, d), "node-b")
	if n, err := a.LiveNodes(ctx); err != nil || n != 0 {
		t.Fatalf("no nodes yet: %d %v", n, err)
	}
	if _, err := a.TakeNodeID(ctx, 1023); err != nil {
		t.Fatal(err)
	}
	nb, err := b.TakeNodeID(ctx, 1023)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := a.Take(ctx, "job:sweep", time.Minute); err != nil || !ok {
		t.Fatalf("job lease: %v", err)
	}
	if n, err := b.LiveNodes(ctx); err != nil || n != 2 {
		t.Fatalf("two nodes: %d %v", n, err)
	}
	if held, err := b.Renew(ctx, lease.NodeLeaseName(nb), 200*time.Millisecond); err != nil || !held {
		t.Fatalf("shorten b's lease: %v", err)
	}
	time.Sleep(300 * time.Millisecond) // b dies
	if n, err := a.LiveNodes(ctx); err != nil || n != 1 {
		t.Fatalf("after b's number lapsed: %d %v", n, err)
	}
}

package apitoken

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// quotaPath is a path whose limit a test may change.
const quotaPath = "/cgi-bin/message/mass/sendall"

func withLimit(t testing.TB, path string, n int64) {
	old := DailyLimits[path]
	DailyLimits[path] = n
	t.Cleanup(func() { DailyLimits[path] = old })
}

func testAccount(t testing.TB, d *db.DB) int64 {
	a, err := account.NewStore(d, clock.Real{}).Create(context.Background(),
		account.NewAccount{Type: account.Service, Region: account.Domestic, Name: "Quota Test", Status: account.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// threeNodes returns the quotas of three nodes: three handles on one database.
func threeNodes(t testing.TB, d *db.DB) []*Quotas {
	return []*Quotas{NewQuotas(d, clock.Real{}), NewQuotas(dbtest.Reopen(t, d), clock.Real{}), NewQuotas(dbtest.Reopen(t, d), clock.Real{})}
}

// takeConcurrently makes calls concurrent takes of quotaPath, round-robin
// over nodes, and returns how many were admitted.
func takeConcurrently(t testing.TB, nodes []*Quotas, acc int64, calls int) int64 {
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for g := range calls {
		wg.Go(func() {
			ok, err := nodes[g%len(nodes)].Take(context.Background(), acc, quotaPath)
			if err != nil {
				t.Error(err)
			}
			if ok {
				admitted.Add(1)
			}
		})
	}
	wg.Wait()
	return admitted.Load()
}

// TestQuotaExactAcrossNodes: three nodes (three handles on one database)
// take a quota of 10 from 60 goroutines at once; exactly 10 calls pass and
// the counter reads 10 everywhere. clear_quota on one node opens it again
// on every node.
func TestQuotaExactAcrossNodes(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	acc := testAccount(t, d)
	withLimit(t, quotaPath, 10)
	nodes := threeNodes(t, d)
	if n := takeConcurrently(t, nodes, acc, 60); n != 10 {
		t.Fatalf("%d calls admitted across three nodes, want exactly 10", n)
	}
	for i, q := range nodes {
		if used, err := q.Used(ctx, acc, quotaPath); err != nil || used != 10 {
			t.Fatalf("node %d reads used %d (%v), want 10", i, used, err)
		}
	}
	if err := nodes[1].ClearAll(ctx, acc); err != nil {
		t.Fatal(err)
	}
	for i, q := range nodes {
		if ok, err := q.Take(ctx, acc, quotaPath); err != nil || !ok {
			t.Fatalf("node %d after clear_quota: %v %v", i, ok, err)
		}
	}
	// Paths without a quota are never counted.
	if ok, err := nodes[0].Take(ctx, acc, "/cgi-bin/no-such-path"); err != nil || !ok {
		t.Fatalf("path without a quota: %v %v", ok, err)
	}
}

// TestQuotaBatchesStayExact: calls of one account and path that arrive
// together on a node are counted by one statement; across three nodes and
// hundreds of concurrent calls, a batch that fits is admitted whole (none
// refused while the limit has room), and one that does not is taken call by
// call (exactly the room left is admitted, never more).
func TestQuotaBatchesStayExact(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	acc := testAccount(t, d)
	withLimit(t, quotaPath, 500)
	nodes := threeNodes(t, d)
	burst := func(calls int) int64 { return takeConcurrently(t, nodes, acc, calls) }
	// 450 of 500: all fit, all are admitted.
	if n := burst(450); n != 450 {
		t.Fatalf("%d of 450 calls admitted with a limit of 500, want all", n)
	}
	// 300 more: 50 fit. Batches larger than what is left are taken call by
	// call.
	if n := burst(300); n != 50 {
		t.Fatalf("%d of 300 calls admitted with 50 left, want exactly 50", n)
	}
	for i, q := range nodes {
		if used, err := q.Used(ctx, acc, quotaPath); err != nil || used != 500 {
			t.Fatalf("node %d reads used %d (%v), want 500", i, used, err)
		}
		q.mu.Lock()
		left := len(q.slots)
		q.mu.Unlock()
		if left != 0 {
			t.Fatalf("node %d keeps %d counters in memory after the calls ended", i, left)
		}
	}
}

// TestClearQuotaMonthlyAllowanceExact: two nodes spend the monthly
// clear_quota allowance concurrently; exactly MaxClearQuotaMonth succeed.
func TestClearQuotaMonthlyAllowanceExact(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	acc := testAccount(t, d)
	nodes := []*Quotas{NewQuotas(d, clock.Real{}), NewQuotas(dbtest.Reopen(t, d), clock.Real{})}
	var ok, refused atomic.Int64
	var wg sync.WaitGroup
	for g := range 3 * MaxClearQuotaMonth {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := nodes[g%2].ClearAll(ctx, acc)
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, ErrClearLimit):
				refused.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != MaxClearQuotaMonth || refused.Load() != 2*MaxClearQuotaMonth {
		t.Fatalf("%d clears succeeded and %d were refused, want %d and %d", ok.Load(), refused.Load(), MaxClearQuotaMonth, 2*MaxClearQuotaMonth)
	}
}

// BenchmarkQuotaTake is the cost a quota check adds to every API call: one
// atomic upsert on the database.
func BenchmarkQuotaTake(b *testing.B) {
	ctx := context.Background()
	d := dbtest.New(b)
	acc := testAccount(b, d)
	withLimit(b, quotaPath, 1<<40)
	q := NewQuotas(d, clock.Real{})
	for b.Loop() {
		if ok, err := q.Take(ctx, acc, quotaPath); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkQuotaTakeParallel is the same with calls arriving concurrently
// (8 goroutines on one account and path: one hot row).
func BenchmarkQuotaTakeParallel(b *testing.B) {
	ctx := context.Background()
	d := dbtest.New(b)
	acc := testAccount(b, d)
	withLimit(b, quotaPath, 1<<40)
	q := NewQuotas(d, clock.Real{})
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if ok, err := q.Take(ctx, acc, quotaPath); err != nil || !ok {
				b.Error(ok, err)
				return
			}
		}
	})
	reportStatements(b, q)
}

// BenchmarkQuotaTakeThreeNodes: three nodes (three handles on one database)
// take one account's quota on one path from 8 goroutines each — the hot
// row every node of a cluster updates when one account calls one API hard.
func BenchmarkQuotaTakeThreeNodes(b *testing.B) {
	ctx := context.Background()
	d := dbtest.New(b)
	acc := testAccount(b, d)
	withLimit(b, quotaPath, 1<<40)
	nodes := threeNodes(b, d)
	var next atomic.Int64
	b.SetParallelism(12) // 24 goroutines on 2 CPUs, 8 per node
	b.RunParallel(func(pb *testing.PB) {
		q := nodes[next.Add(1)%3]
		for pb.Next() {
			if ok, err := q.Take(ctx, acc, quotaPath); err != nil || !ok {
				b.Error(ok, err)
				return
			}
		}
	})
	reportStatements(b, nodes...)
}

// reportStatements reports the counting statements run per call: below 1
// when concurrent calls were counted together.
func reportStatements(b *testing.B, nodes ...*Quotas) {
	var n int64
	for _, q := range nodes {
		n += q.stmts.Load()
	}
	b.ReportMetric(float64(n)/float64(b.N), "stmts/call")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

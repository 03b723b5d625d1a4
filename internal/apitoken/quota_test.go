package apitoken

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// TestQuotaBatchesStayExact: nodes reserve calls in blocks that shrink
// near the limit; across three nodes and hundreds of concurrent calls, all
// calls are admitted while the limit has room, exactly the room left is
// admitted when it has not, and once the calls have ended and the nodes
// have given back what they held, the counter is the calls admitted.
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
	// 300 more: 50 fit. Each node uses what it reserved before it refuses.
	if n := burst(300); n != 50 {
		t.Fatalf("%d of 300 calls admitted with 50 left, want exactly 50", n)
	}
	for i, q := range nodes {
		if used, err := q.Used(ctx, acc, quotaPath); err != nil || used != 500 {
			t.Fatalf("node %d reads used %d (%v), want 500", i, used, err)
		}
	}
	for i, q := range nodes {
		waitNoLeases(t, q, i)
	}
	if used, held := row(t, d, acc); used != 500 || held != 0 {
		t.Fatalf("after the nodes gave back: used %d, held %d, want 500 and 0", used, held)
	}
}

// waitNoLeases waits until node i has given back everything (idleReturn
// after its last call).
func waitNoLeases(t *testing.T, q *Quotas, i int) {
	t.Helper()
	for range 100 {
		q.mu.Lock()
		left := len(q.leases) + q.givingBack
		q.mu.Unlock()
		if left == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("node %d still holds reservations %v after the calls ended", i, 5*time.Second)
}

// row reads today's counter of quotaPath.
func row(t *testing.T, d *db.DB, acc int64) (used, held int64) {
	t.Helper()
	if err := d.WriterQueryRow(context.Background(), `SELECT used, held FROM api_quota WHERE account_id = ? AND day = ? AND path = ?`,
		acc, Day(time.Now()), quotaPath).Scan(&used, &held); err != nil {
		t.Fatal(err)
	}
	return used, held
}

// TestQuotaBlocks: with a large limit a node writes the counter once per
// block, not per call; another node reads at most a block too many until
// the idle node gives back what it did not use; a clear on one node while
// another holds a block counts that block against the cleared quota, so
// the calls admitted after the clear never exceed the limit.
func TestQuotaBlocks(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	acc := testAccount(t, d)
	withLimit(t, quotaPath, 16*maxBlock)
	nodes := []*Quotas{NewQuotas(d, clock.Real{}), NewQuotas(dbtest.Reopen(t, d), clock.Real{})}
	a, b := nodes[0], nodes[1]
	take := func(q *Quotas) bool {
		ok, err := q.Take(ctx, acc, quotaPath)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for range 1000 {
		if !take(a) {
			t.Fatal("refused with the limit far away")
		}
	}
	// Blocks are a sixteenth of what is left, at most maxBlock: 1024, 960,
	// 900, … here.
	if n := a.stmts.Load(); n > 6 {
		t.Fatalf("%d statements for 1000 calls, want one per block of up to %d", n, maxBlock)
	}
	if used, err := a.Used(ctx, acc, quotaPath); err != nil || used != 1000 {
		t.Fatalf("the node that took reads used %d (%v), want 1000", used, err)
	}
	if used, err := b.Used(ctx, acc, quotaPath); err != nil || used < 1000 || used > 1000+maxBlock {
		t.Fatalf("another node reads used %d (%v), want 1000 to %d", used, err, 1000+maxBlock)
	}
	waitNoLeases(t, a, 0)
	if used, err := b.Used(ctx, acc, quotaPath); err != nil || used != 1000 {
		t.Fatalf("after the idle node gave back, another node reads used %d (%v), want 1000", used, err)
	}

	// Node a holds a block when b clears the quota.
	for range 10 {
		take(a)
	}
	if err := b.Clear(ctx, acc, ""); err != nil {
		t.Fatal(err)
	}
	after := takeUntilRefused(take, a, b)
	// The first of a's 10 calls before the clear reserved a block and was
	// settled at once; the other 9 came from the block, which a had not
	// settled: they count after the clear too (the documented bound).
	if limit := int64(16 * maxBlock); after != limit-9 {
		t.Fatalf("%d calls admitted after the clear, want %d (the limit less a's 9 unsettled calls)", after, limit-9)
	}
	a.Release()
	b.Release()
	if used, held := row(t, d, acc); used != 16*maxBlock || held != 0 {
		t.Fatalf("after the clear and the calls: used %d, held %d, want %d and 0", used, held, 16*maxBlock)
	}
}

// TestQuotaNextBlockReservedAhead: far from the limit a node reserves its
// next block while the current one still has calls, so a call does not
// wait for the statement; the node never holds more than maxBlock, a clear
// on another node while the reservation is under way keeps the calls
// admitted after it within the limit, and the counter ends exact.
func TestQuotaNextBlockReservedAhead(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	acc := testAccount(t, d)
	const limit = 64 * maxBlock
	withLimit(t, quotaPath, limit)
	a, b := NewQuotas(d, clock.Real{}), NewQuotas(dbtest.Reopen(t, d), clock.Real{})
	take := func(q *Quotas) bool {
		ok, err := q.Take(ctx, acc, quotaPath)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	take(a) // reserves the first block (maxBlock, this call included)
	started, proceed := make(chan struct{}, 1), make(chan struct{})
	a.beforeReserve = func() {
		started <- struct{}{}
		<-proceed
	}
	// Every call of the first block passes while the next reservation waits
	// in beforeReserve: none of them waits for it.
	for i := 1; i < maxBlock; i++ {
		if !take(a) {
			t.Fatalf("call %d refused with the limit far away", i+1)
		}
	}
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the block's calls ran out and no reservation of the next had begun")
	}
	a.mu.Lock()
	avail := a.leases[takeKey{acc, Day(time.Now()), quotaPath}].avail.Load()
	a.mu.Unlock()
	if avail != 0 {
		t.Fatalf("%d calls still available after the whole block was used", avail)
	}
	// b clears while a's reservation is under way: what a holds then counts
	// against the cleared quota.
	if err := b.Clear(ctx, acc, ""); err != nil {
		t.Fatal(err)
	}
	a.beforeReserve = nil
	close(proceed)
	a.mu.Lock()
	for a.leases[takeKey{acc, Day(time.Now()), quotaPath}].busy != nil {
		a.mu.Unlock()
		time.Sleep(time.Millisecond)
		a.mu.Lock()
	}
	l := a.leases[takeKey{acc, Day(time.Now()), quotaPath}]
	if l.avail.Load() > maxBlock || l.unsettled < l.avail.Load() {
		t.Fatalf("after the reservation a holds %d available, %d unsettled; want at most %d, and unsettled at least available", l.avail.Load(), l.unsettled, maxBlock)
	}
	a.mu.Unlock()
	after := takeUntilRefused(take, a, b)
	// a's first block was all unsettled at the clear: its maxBlock-1 calls
	// after the first count against the cleared quota (the documented bound).
	if after != limit-(maxBlock-1) {
		t.Fatalf("%d calls admitted after the clear, want %d (the limit less a's %d unsettled calls)", after, limit-(maxBlock-1), maxBlock-1)
	}
	a.Release()
	b.Release()
	if used, held := row(t, d, acc); used != limit || held != 0 {
		t.Fatalf("after the calls: used %d, held %d, want %d and 0", used, held, limit)
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

// takeUntilRefused takes calls on nodes a and b in turn until both are
// refused, and returns how many were admitted.
func takeUntilRefused(take func(*Quotas) bool, a, b *Quotas) (admitted int64) {
	for {
		okA, okB := take(a), take(b)
		if okA {
			admitted++
		}
		if okB {
			admitted++
		}
		if !okA && !okB {
			return admitted
		}
	}
}

// TestClearKeepsThisNodesBlocks: a node that clears a quota keeps the
// blocks it holds, so its next calls run no statement; the calls it
// admitted before the clear leave the count, its unused calls stay
// reserved, and the calls admitted after the clear on every node are
// exactly the limit. With path "" every path's count is cleared so.
func TestClearKeepsThisNodesBlocks(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	acc := testAccount(t, d)
	const limit = 64 * maxBlock
	const other = "/cgi-bin/message/mass/send"
	withLimit(t, quotaPath, limit)
	withLimit(t, other, limit)
	a, b := NewQuotas(d, clock.Real{}), NewQuotas(dbtest.Reopen(t, d), clock.Real{})
	takeOn := func(q *Quotas, path string) bool {
		ok, err := q.Take(ctx, acc, path)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	take := func(q *Quotas) bool { return takeOn(q, quotaPath) }
	for range 10 {
		take(a)
		takeOn(a, other)
	}
	if err := a.Clear(ctx, acc, ""); err != nil {
		t.Fatal(err)
	}
	avail := func(path string) int64 {
		a.mu.Lock()
		defer a.mu.Unlock()
		if l := a.leases[takeKey{acc, Day(time.Now()), path}]; l != nil {
			return l.avail.Load()
		}
		return 0
	}
	for _, p := range []string{quotaPath, other} {
		var used, held int64
		if err := d.WriterQueryRow(ctx, `SELECT used, held FROM api_quota WHERE account_id = ? AND day = ? AND path = ?`,
			acc, Day(time.Now()), p).Scan(&used, &held); err != nil {
			t.Fatal(err)
		}
		if want := avail(p); used != want {
			t.Fatalf("%s after the clear: used %d, want %d (the clearing node's unused calls, still reserved)", p, used, want)
		}
		if u, err := a.Used(ctx, acc, p); err != nil || u != 0 {
			t.Fatalf("%s after the clear: the clearing node reads used %d (%v), want 0", p, u, err)
		}
	}
	stmts := a.stmts.Load()
	for range 10 {
		if !take(a) {
			t.Fatal("refused after the clear")
		}
	}
	if n := a.stmts.Load() - stmts; n != 0 {
		t.Fatalf("%d statements for 10 calls after the clear, want none (the node's block was kept)", n)
	}
	if u, err := a.Used(ctx, acc, quotaPath); err != nil || u != 10 {
		t.Fatalf("the clearing node reads used %d (%v), want the 10 calls after the clear", u, err)
	}
	if u, err := b.Used(ctx, acc, quotaPath); err != nil || u < 10 || u > 10+maxBlock {
		t.Fatalf("another node reads used %d (%v), want 10 to %d", u, err, 10+maxBlock)
	}
	if after := takeUntilRefused(take, a, b); after != limit-10 {
		t.Fatalf("%d calls admitted after the clear and its 10, want %d", after, limit-10)
	}
	a.Release()
	b.Release()
	if used, held := row(t, d, acc); used != limit || held != 0 {
		t.Fatalf("after the calls: used %d, held %d, want %d and 0", used, held, limit)
	}
}

// TestClearWaitsForThisNodesReservation: a clear on a node whose next
// block is being reserved waits for that statement (which settles part of
// what the node held), while the node's calls go on from its current
// block; the calls admitted after the clear are exactly the limit.
func TestClearWaitsForThisNodesReservation(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	acc := testAccount(t, d)
	const limit = 64 * maxBlock
	withLimit(t, quotaPath, limit)
	a, b := NewQuotas(d, clock.Real{}), NewQuotas(dbtest.Reopen(t, d), clock.Real{})
	take := func(q *Quotas) bool {
		ok, err := q.Take(ctx, acc, quotaPath)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	take(a) // the first block, reserved by this call
	started, proceed := make(chan struct{}, 1), make(chan struct{})
	a.beforeReserve = func() {
		started <- struct{}{}
		<-proceed
	}
	for range maxBlock / 2 {
		take(a)
	}
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("no reservation of the next block began")
	}
	cleared := make(chan error, 1)
	go func() { cleared <- a.Clear(ctx, acc, quotaPath) }()
	// The clear waits for the reservation; calls go on from the block.
	for i := range 100 {
		if !take(a) {
			t.Fatalf("call %d refused while the clear waited", i)
		}
	}
	select {
	case err := <-cleared:
		t.Fatalf("the clear ended (%v) while the node's reservation was under way", err)
	case <-time.After(50 * time.Millisecond):
	}
	a.beforeReserve = nil
	close(proceed)
	if err := <-cleared; err != nil {
		t.Fatal(err)
	}
	if u, err := a.Used(ctx, acc, quotaPath); err != nil || u != 0 {
		t.Fatalf("after the clear the node reads used %d (%v), want 0", u, err)
	}
	if after := takeUntilRefused(take, a, b); after != limit {
		t.Fatalf("%d calls admitted after the clear, want %d", after, limit)
	}
	a.Release()
	b.Release()
	if used, held := row(t, d, acc); used != limit || held != 0 {
		t.Fatalf("after the calls: used %d, held %d, want %d and 0", used, held, limit)
	}
}

// TestQuotaSlowReservationStartsNextSooner: when calls used most of what
// was left while a background reservation ran, the next one begins with
// more left (twice the calls used meanwhile, at most maxBlock-minPrefetch)
// instead of at half a block, and a quick one brings it back to half; the
// node never holds more than maxBlock, and the counter ends exact.
func TestQuotaSlowReservationStartsNextSooner(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	acc := testAccount(t, d)
	const limit = 64 * maxBlock
	withLimit(t, quotaPath, limit)
	a := NewQuotas(d, clock.Real{})
	key := takeKey{acc, Day(time.Now()), quotaPath}
	taken := int64(0)
	take := func() {
		t.Helper()
		ok, err := a.Take(ctx, acc, quotaPath)
		if err != nil || !ok {
			t.Fatalf("call refused with the limit far away: %v %v", ok, err)
		}
		taken++
	}
	state := func() (avail int64, busy bool) {
		a.mu.Lock()
		defer a.mu.Unlock()
		l := a.leases[key]
		if l.avail.Load() > maxBlock {
			t.Fatalf("the node holds %d available, want at most %d", l.avail.Load(), maxBlock)
		}
		return l.avail.Load(), l.busy != nil
	}
	waitIdle := func() {
		t.Helper()
		for range 5000 {
			if _, busy := state(); !busy {
				return
			}
			time.Sleep(time.Millisecond)
		}
		t.Fatal("the reservation did not end")
	}
	// takeUntilReserving takes calls until a reservation is under way and
	// returns the calls left when it began.
	takeUntilReserving := func() int64 {
		t.Helper()
		for range maxBlock {
			take()
			if avail, busy := state(); busy {
				return avail
			}
		}
		t.Fatal("no reservation began within a block")
		return 0
	}
	take() // the first block, reserved by this call
	started, proceed := make(chan struct{}), make(chan struct{})
	a.beforeReserve = func() {
		close(started)
		<-proceed
	}
	if left := takeUntilReserving(); left != maxBlock/2 {
		t.Fatalf("the first background reservation began with %d left, want %d", left, maxBlock/2)
	}
	<-started
	// The statement is slow: 400 calls go while it runs.
	for range 400 {
		take()
	}
	a.beforeReserve = nil
	close(proceed)
	waitIdle()
	// 112 were left and 512 came: 624. The next begins at 800 left (twice
	// 400), so with the next call, not at 512.
	if left := takeUntilReserving(); left != 623 {
		t.Fatalf("after a slow reservation the next began with %d left, want 623 (the first call, below the margin of 800)", left)
	}
	waitIdle()
	// A quick one (no call while it ran) brings the margin back to half a block.
	if left := takeUntilReserving(); left != maxBlock/2 {
		t.Fatalf("after a quick reservation the next began with %d left, want %d", left, maxBlock/2)
	}
	waitIdle()
	a.Release()
	if used, held := row(t, d, acc); used != taken || held != 0 {
		t.Fatalf("after the calls: used %d, held %d, want %d and 0", used, held, taken)
	}
}

// TestClearDoesNotHoldReservations: while a node's clear is under way
// (its statement held back here), the node's calls use up their block and
// the next ones, reserved meanwhile, instead of waiting for the clear; the
// calls admitted after it are still exactly the limit.
func TestClearDoesNotHoldReservations(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	acc := testAccount(t, d)
	const limit = 64 * maxBlock
	withLimit(t, quotaPath, limit)
	a, b := NewQuotas(d, clock.Real{}), NewQuotas(dbtest.Reopen(t, d), clock.Real{})
	take := func(q *Quotas) bool {
		ok, err := q.Take(ctx, acc, quotaPath)
		if err != nil {
			t.Error(err)
		}
		return ok
	}
	for range 10 {
		take(a)
	}
	entered, proceed := make(chan struct{}), make(chan struct{})
	a.beforeClear = func() {
		close(entered)
		<-proceed
	}
	cleared := make(chan error, 1)
	go func() { cleared <- a.Clear(ctx, acc, quotaPath) }()
	<-entered
	// Three blocks' calls while the clear waits: they need reservations.
	const during = 3 * maxBlock
	served := make(chan int, 1)
	go func() {
		n := 0
		for range during {
			if take(a) {
				n++
			}
		}
		served <- n
	}()
	select {
	case n := <-served:
		if n != during {
			t.Fatalf("%d of %d calls admitted during the clear", n, during)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("calls waited for the clear's statement")
	}
	a.beforeClear = nil
	close(proceed)
	if err := <-cleared; err != nil {
		t.Fatal(err)
	}
	// The calls during the clear came after the count it kept.
	if u, err := a.Used(ctx, acc, quotaPath); err != nil || u != during {
		t.Fatalf("after the clear the node reads used %d (%v), want %d", u, err, during)
	}
	if after := takeUntilRefused(take, a, b); after != limit-during {
		t.Fatalf("%d calls admitted after the clear and the %d during it, want %d", after, during, limit-during)
	}
	a.Release()
	b.Release()
	if used, held := row(t, d, acc); used != limit || held != 0 {
		t.Fatalf("after the calls: used %d, held %d, want %d and 0", used, held, limit)
	}
}

// TestQuotaGivenBackLeaseAdmitsNothing: a call that found its lease in the
// copy of the leases taken before the lease was given back (take's fast
// path runs without the mutex) admits nothing from it: the given-back
// lease's unused calls are no longer counted in the row, so a call
// admitted from them would be counted nowhere.
func TestQuotaGivenBackLeaseAdmitsNothing(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	acc := testAccount(t, d)
	withLimit(t, quotaPath, 1_000_000)
	q := NewQuotas(d, clock.Real{})
	admitted := int64(0)
	take := func() {
		t.Helper()
		ok, err := q.Take(ctx, acc, quotaPath)
		if err != nil || !ok {
			t.Fatalf("call refused with the limit far away: %v %v", ok, err)
		}
		admitted++
	}
	for range 10 {
		take()
	}
	stale := q.hot.Load()
	q.Release()
	q.hot.Store(stale) // as a call that loaded the copy before the give-back
	for range 10 {
		take()
	}
	q.Release()
	if used, held := row(t, d, acc); used != admitted || held != 0 {
		t.Fatalf("after %d calls given back: used %d, held %d, want %d and 0", admitted, used, held, admitted)
	}
}

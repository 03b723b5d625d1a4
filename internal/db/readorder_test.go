package db_test

import (
	"context"
	"database/sql"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/db/dbtest"
)

// Reads that find every SQLite reader busy get one in about the order
// they came: each waits behind at most the few reads that wait inside
// database/sql (one per reader), which picks one of its waiters at
// random. With every read waiting there, as before, a read waited for a
// random number of turns and under load some pages waited several times
// the mean.
func TestSQLiteReadsWaitInArrivalOrder(t *testing.T) {
	if dbtest.Postgres() {
		t.Skip("SQLite only: PostgreSQL's reads share the server's pool")
	}
	d := dbtest.New(t)
	ctx := context.Background()
	readers := poolStats(t, d, "reader").MaxOpenConnections
	if readers < 1 {
		t.Fatalf("reader pool of %d", readers)
	}
	// Every reader busy with rows left open, of the statement the reads
	// below run (prepared on every reader, so no read prepares it).
	const query = `SELECT ? UNION ALL SELECT -1`
	var held []*sql.Rows
	for range readers {
		rows, err := d.Query(ctx, query, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !rows.Next() {
			t.Fatal("no row")
		}
		held = append(held, rows)
	}
	const waiting = 200
	got := make(chan int)
	release := make([]chan struct{}, waiting)
	var wg sync.WaitGroup
	for i := range waiting {
		release[i] = make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			rows, err := d.Query(ctx, query, i)
			if err != nil {
				t.Error(err)
				got <- i
				return
			}
			got <- i // it has a reader, and keeps it until released
			<-release[i]
			rows.Close()
		}()
		// The next read comes only once this one waits.
		waitFor(t, func() bool {
			return int(poolStats(t, d, "reader").WaitCount)+blockedIn("internal/db.enter") == i+1
		})
	}
	// One reader given back, then passed from read to read: each turn
	// goes to one waiting read.
	held[0].Close()
	order := make([]int, 0, waiting)
	for step := range waiting {
		i := <-got
		order = append(order, i)
		close(release[i])
		// The next turn only once every read left is parked (waiting, or
		// holding the reader), so that the order is the pool's, not the
		// scheduler's (a woken read may sit in a run queue for a while).
		waitFor(t, func() bool { return parked("ReadsWaitInArrivalOrder.func") == waiting-step-1 })
	}
	for _, r := range held[1:] {
		r.Close()
	}
	wg.Wait()
	// The reads past the first one a reader found every entry taken and
	// waited in the queue; the metrics count each once.
	if s := poolStats(t, d, "reader"); s.Queued != int64(waiting-readers) || s.QueuedWait <= 0 {
		t.Errorf("queued %d reads for %v, want %d", s.Queued, s.QueuedWait, waiting-readers)
	}
	// Picked at random among the readers' few waiters, a read waits k
	// turns past its own with a chance of (1-1/readers)^k; among all 200,
	// most orders leave some read more than 64 turns late.
	for pos, i := range order {
		if pos-i > 64 {
			t.Fatalf("read %d of %d came %d turns late (readers %d): order %v", i, waiting, pos-i, readers, order)
		}
	}
}

// waitFor polls ok until it holds, for at most a minute.
func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for start := time.Now(); !ok(); time.Sleep(time.Millisecond) {
		if time.Since(start) > time.Minute {
			t.Fatal("timed out")
		}
	}
}

// parked counts the goroutines running fn (a name's suffix) that are
// parked.
func parked(fn string) int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, fn) && (strings.Contains(g, "[select") || strings.Contains(g, "[chan ")) {
			n++
		}
	}
	return n
}

// blockedIn counts the goroutines parked in the function named fn.
func blockedIn(fn string) int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, fn+"(") && (strings.Contains(g, "[select") || strings.Contains(g, "[chan send")) {
			n++
		}
	}
	return n
}

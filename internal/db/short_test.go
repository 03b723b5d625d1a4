package db_test

import (
	"context"
	"database/sql"
	"errors"
	"runtime"
	"strconv"
	"testing"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// countingTo is a read of n rows, computed one by one as they are read.
func countingTo(n int) string {
	return `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ` + strconv.Itoa(n) + `) SELECT i FROM n`
}

// A read whose context was not marked short stops within its result set
// when the context ends: database/sql's watcher closes its rows.
func TestLongReadStopsWhenItsContextEnds(t *testing.T) {
	d := dbtest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rows, err := d.Query(ctx, countingTo(10_000_000))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
		if n == 10 {
			cancel()
		}
		runtime.Gosched() // let the watcher run
	}
	if err := rows.Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("after %d rows: %v, want context.Canceled", n, err)
	}
	if n == 10_000_000 {
		t.Fatalf("read all %d rows after its context ended", n)
	}
}

// A read under a context marked by db.ShortReads runs without a watcher:
// rows it has opened are read to their end even if the context ends
// meanwhile, and the context's error only stops the next statement.
func TestShortReadRunsToItsEndAndStopsTheNext(t *testing.T) {
	d := dbtest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	short := db.ShortReads(ctx)
	rows, err := d.Query(short, countingTo(1000))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
		if n == 1 {
			cancel()
		}
		// A watcher, if there were one, would be runnable now: let it
		// run before each next row.
		runtime.Gosched()
	}
	if err := rows.Err(); err != nil || n != 1000 {
		t.Fatalf("short read after its context ended: %d rows, %v; want all 1000", n, err)
	}
	rows.Close()

	// Every kind of read, once the marked context has ended.
	const one = `SELECT 1`
	if _, err := d.Query(short, one); !errors.Is(err, context.Canceled) {
		t.Errorf("Query: %v, want context.Canceled", err)
	}
	var v int
	for name, row := range map[string]*sql.Row{
		"QueryRow":          d.QueryRow(short, one),
		"WriterQueryRow":    d.WriterQueryRow(short, one),
		"CountQueryRow":     d.CountQueryRow(short, one),
		"Prepared.QueryRow": d.PrepareRead(one).QueryRow(short),
	} {
		if err := row.Scan(&v); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v, want context.Canceled", name, err)
		}
	}
	// Unmarked, and marked with a live context, they run.
	for name, c := range map[string]context.Context{"unmarked": context.Background(), "marked": db.ShortReads(context.Background())} {
		if err := d.QueryRow(c, one).Scan(&v); err != nil || v != 1 {
			t.Errorf("%s QueryRow: %d, %v", name, v, err)
		}
	}
}

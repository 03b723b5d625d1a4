package db

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// waitCheckpoint waits until the checkpointer has copied the whole log
// and the log's size satisfies ok, and returns what it reported.
func waitCheckpoint(t *testing.T, d *DB, ok func(pages int64) bool) checkpointResult {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if r := d.ckpt.last.Load(); r != nil && r.Copied == r.Log && ok(r.Log) {
			return *r
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no such checkpoint (last %+v)", d.ckpt.last.Load())
	return checkpointResult{}
}

// On SQLite in a file the WAL is copied back by the checkpointer after the
// writer's commits (the writer's own mark is walBackstopPages), the log
// starts again from its beginning once copied, a bulk transaction runs
// without the writer's mark and sets it again however it ends, and Close
// stops the checkpointer.
func TestCheckpointer(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if d.ckpt == nil {
		t.Fatal("no checkpointer on SQLite in a file")
	}
	writerMark := func(when string) {
		t.Helper()
		var pages int
		if err := d.WriterQueryRow(ctx, `PRAGMA wal_autocheckpoint`).Scan(&pages); err != nil || pages != walBackstopPages {
			t.Fatalf("%s: the writer's wal_autocheckpoint is %d (%v), want %d", when, pages, err, walBackstopPages)
		}
	}
	writerMark("at the start")
	if _, err := d.Exec(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	fill := func(from, n int) {
		t.Helper()
		if err := d.Tx(ctx, func(tx *Tx) error {
			for i := from; i < from+n; i++ {
				if _, err := tx.Exec(ctx, `INSERT INTO t (id, v) VALUES (?, ?)`, i, strings.Repeat("x", 2000)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	fill(0, 3000) // about 1,500 pages
	big := waitCheckpoint(t, d, func(pages int64) bool { return pages >= 1000 })
	// The next commit starts the log again from its beginning.
	fill(3000, 10)
	waitCheckpoint(t, d, func(pages int64) bool { return pages < big.Log/10 })

	errStop := errors.New("stop")
	for _, end := range []error{nil, errStop} {
		err := d.BulkTxOwnKeys(ctx, func(tx *Tx) error {
			var pages int
			if err := tx.QueryRow(ctx, `PRAGMA wal_autocheckpoint`).Scan(&pages); err != nil || pages != 0 {
				t.Errorf("in BulkTxOwnKeys the writer's wal_autocheckpoint is %d (%v), want 0", pages, err)
			}
			_, err := tx.Exec(ctx, `INSERT INTO t (id, v) VALUES (?, 'bulk')`, 100000)
			if err != nil {
				return err
			}
			return end
		})
		if !errors.Is(err, end) {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `DELETE FROM t WHERE v = 'bulk'`); err != nil {
			t.Fatal(err)
		}
		writerMark("after BulkTxOwnKeys")
	}
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("recovered %v", r)
			}
		}()
		_ = d.BulkTxOwnKeys(ctx, func(*Tx) error { panic("boom") })
	}()
	writerMark("after a panic in BulkTxOwnKeys")

	ck := d.ckpt
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ck.done:
	default:
		t.Fatal("the checkpointer still runs after Close")
	}
}

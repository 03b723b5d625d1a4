package db_test

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/heraldoa/herald/internal/db/dbtest"
)

// On SQLite, long reads take one of as many slots as Go has Ps; a read
// that finds none waits for one to be given back, or for its context. On
// PostgreSQL there is no limit.
func TestReadSlotsOnePerCore(t *testing.T) {
	d := dbtest.New(t)
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	n := runtime.GOMAXPROCS(0)
	if dbtest.Postgres() {
		for range 4 * n {
			if _, err := d.ReadSlot(ended); err != nil {
				t.Fatalf("PostgreSQL read slot: %v", err)
			}
		}
		return
	}
	var releases []func()
	for i := range n { // free slots are taken even with an ended context
		release, err := d.ReadSlot(ended)
		if err != nil {
			t.Fatalf("slot %d of %d: %v", i+1, n, err)
		}
		releases = append(releases, release)
	}
	if _, err := d.ReadSlot(ended); !errors.Is(err, context.Canceled) {
		t.Fatalf("slot %d of %d: %v, want to wait (context.Canceled)", n+1, n, err)
	}
	got := make(chan error)
	go func() {
		release, err := d.ReadSlot(context.Background())
		if err == nil {
			release()
		}
		got <- err
	}()
	releases[0]()
	if err := <-got; err != nil {
		t.Fatalf("waiting read after a slot was given back: %v", err)
	}
}

// The SQLite readers map the database file; the writer does not.
func TestSQLiteReadersMapTheFile(t *testing.T) {
	if dbtest.Postgres() {
		t.Skip("SQLite only")
	}
	d := dbtest.New(t)
	ctx := context.Background()
	var r, w int64
	if err := d.QueryRow(ctx, `PRAGMA mmap_size`).Scan(&r); err != nil {
		t.Fatal(err)
	}
	if err := d.WriterQueryRow(ctx, `PRAGMA mmap_size`).Scan(&w); err != nil {
		t.Fatal(err)
	}
	if r < 1<<30 || w != 0 {
		t.Errorf("mmap_size: readers %d, writer %d; want about 2 GB and 0", r, w)
	}
}

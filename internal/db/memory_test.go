package db

import (
	"context"
	"sync"
	"testing"
)

// An in-memory database is migrated, written by the writer and read by
// the read pool (the same database), concurrently; a second one is
// separate.
func TestOpenMemory(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, MemoryURL, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `CREATE TABLE memtest (n INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if err := d.Tx(ctx, func(tx *Tx) error {
					_, err := tx.Exec(ctx, `INSERT INTO memtest (n) VALUES (?)`, i)
					return err
				}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				var n int
				if err := Get(d.QueryRow(ctx, `SELECT COUNT(*) FROM memtest`), &n); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	var n int
	if err := Get(d.QueryRow(ctx, `SELECT COUNT(*) FROM memtest`), &n); err != nil || n != 200 {
		t.Fatalf("the read pool sees %d rows (%v), want 200", n, err)
	}

	other, err := OpenMemory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Exec(ctx, `SELECT n FROM memtest`); err == nil {
		t.Fatal("a second in-memory database sees the first one's table")
	}
}

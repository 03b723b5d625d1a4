package db

import (
	"context"
	"strings"
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

// An empty in-memory database, as the emulator starts with, holds its
// schema in small pages: the emulator's memory at start is mostly this
// database's pages otherwise.
func TestOpenMemoryKeepsTheEmptySchemaSmall(t *testing.T) {
	ctx := context.Background()
	d, err := OpenMemory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var pages, size int
	if err := d.w.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if err := d.w.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&size); err != nil {
		t.Fatal(err)
	}
	if pages*size > 512<<10 {
		t.Errorf("the migrated empty database is %d pages of %d bytes (%d kB), want at most 512 kB", pages, size, pages*size>>10)
	}
	// A row much longer than a page reads back whole.
	long := strings.Repeat("长文", 6000)
	if _, err := d.Exec(ctx, `CREATE TABLE memlong (s TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO memlong (s) VALUES (?)`, long); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := d.r.QueryRowContext(ctx, `SELECT s FROM memlong`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != long {
		t.Errorf("a %d-byte row read back as %d bytes", len(long), len(got))
	}
}

package db_test

import (
	"context"
	"testing"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
)

// mmapOf returns the mapping SQLite reports for the connection a read of
// PRAGMA mmap_size ran on.
func mmapOf(t *testing.T, q func(context.Context, string, ...any) (interface {
	Next() bool
	Scan(...any) error
	Close() error
}, error)) int64 {
	t.Helper()
	rows, err := q(context.Background(), "PRAGMA mmap_size")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var n int64
	if !rows.Next() {
		t.Fatal("PRAGMA mmap_size returned no row")
	}
	if err := rows.Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Point reads run on readers without the memory map on SQLite in a file,
// see what was committed before them, and cannot write; every other read
// keeps the mapping. Elsewhere they are plain reads.
func TestPointReads(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	if _, err := d.Exec(ctx, "CREATE TABLE point_t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, "INSERT INTO point_t (k, v) VALUES (?, ?)", "a", 1); err != nil {
		t.Fatal(err)
	}
	const q = "SELECT v FROM point_t WHERE k = ?"
	st := d.PreparePointRead(q)
	for want := int64(1); want <= 3; want++ {
		var v int64
		if err := st.QueryRow(ctx, "a").Scan(&v); err != nil || v != want {
			t.Fatalf("prepared point read: %d, %v; want %d", v, err, want)
		}
		rows, err := d.PointQuery(ctx, q, "a")
		if err != nil {
			t.Fatal(err)
		}
		if !rows.Next() || rows.Scan(&v) != nil || v != want {
			t.Fatalf("point query: %d; want %d", v, want)
		}
		rows.Close()
		if _, err := d.Exec(ctx, "UPDATE point_t SET v = v + 1 WHERE k = ?", "a"); err != nil {
			t.Fatal(err)
		}
	}
	if d.Dialect() == db.Postgres {
		return
	}
	if _, err := d.PointQuery(ctx, "UPDATE point_t SET v = 0"); err == nil {
		t.Error("a write through PointQuery ran; the point readers must be read-only")
	}
	type rowser = interface {
		Next() bool
		Scan(...any) error
		Close() error
	}
	point := func(ctx context.Context, q string, args ...any) (rowser, error) { return d.PointQuery(ctx, q, args...) }
	read := func(ctx context.Context, q string, args ...any) (rowser, error) { return d.Query(ctx, q, args...) }
	if n := mmapOf(t, point); n != 0 {
		t.Errorf("point readers map %d bytes, want none", n)
	}
	if n := mmapOf(t, read); n == 0 {
		t.Error("the read pool lost its mapping")
	}
	m, err := db.OpenMemory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var one int
	rows, err := m.PointQuery(ctx, "SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() || rows.Scan(&one) != nil || one != 1 {
		t.Error("in memory, a point read did not run on the read pool")
	}
}

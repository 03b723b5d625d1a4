package media

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/errs"
)

func TestMemoryStore(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	if n, err := m.Put(ctx, "a/b.png", strings.NewReader("hello")); err != nil || n != 5 {
		t.Fatalf("put: %d %v", n, err)
	}
	f, err := m.Open(ctx, "a/b.png")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if string(b) != "hello" || f.Size() != 5 {
		t.Fatalf("read %q size %d", b, f.Size())
	}
	if err := m.Delete(ctx, "a/b.png"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Open(ctx, "a/b.png"); !errors.Is(err, errs.NotFound) {
		t.Fatalf("after delete: %v, want not found", err)
	}
}

package media_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/heraldoa/herald/internal/media"
)

// The object store goes away and comes back at the same address: while it
// is away uploads and reads fail promptly with an error (no request hangs),
// and afterwards both work again with nothing to repair.
func TestS3Outage(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("herald"); err != nil {
		t.Fatal(err)
	}
	handler := gofakes3.New(backend).Server()
	srv := httptest.NewServer(handler)
	addr := srv.Listener.Addr().String()
	ctx := context.Background()
	s, err := media.OpenURL(ctx, "s3://herald?endpoint=http://"+addr+"&region=us-east-1", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "a/before.bin", bytes.NewReader([]byte("stored before"))); err != nil {
		t.Fatal(err)
	}
	srv.Close()

	t0 := time.Now()
	if _, err := s.Put(ctx, "a/during.bin", bytes.NewReader([]byte("x"))); err == nil {
		t.Fatal("an upload succeeded with the object store down")
	}
	putFail := time.Since(t0)
	t0 = time.Now()
	if _, err := s.Open(ctx, "a/before.bin"); err == nil {
		t.Fatal("a read succeeded with the object store down")
	}
	openFail := time.Since(t0)
	t.Logf("object store down: upload failed after %s, read failed after %s", putFail.Round(time.Millisecond), openFail.Round(time.Millisecond))
	if putFail > 20*time.Second || openFail > 20*time.Second {
		t.Fatalf("requests hung while the object store was down: %s, %s", putFail, openFail)
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	back := &http.Server{Handler: handler}
	go back.Serve(ln)
	defer back.Close()
	t0 = time.Now()
	f, err := s.Open(ctx, "a/before.bin")
	if err != nil {
		t.Fatalf("after the object store came back: %v", err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if string(b) != "stored before" {
		t.Fatalf("read back %q", b)
	}
	if _, err := s.Put(ctx, "a/after.bin", bytes.NewReader([]byte("y"))); err != nil {
		t.Fatal(err)
	}
	t.Logf("object store back: first read took %s", time.Since(t0).Round(time.Millisecond))
}

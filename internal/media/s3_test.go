package media_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/media/s3test"
)

func TestOpenURLRefusesWhatItCannotUse(t *testing.T) {
	ctx := context.Background()
	if s, err := media.OpenURL(ctx, "", "/tmp/x"); err != nil || s.(media.Dir).Root != "/tmp/x" {
		t.Fatalf("default: %v %v", s, err)
	}
	for _, bad := range []string{"ftp://host/x", "s3://key:secret@bucket?endpoint=http://127.0.0.1:1", "s3://?endpoint=http://127.0.0.1:1"} {
		if _, err := media.OpenURL(ctx, bad, ""); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	srv := s3test.New(t)
	if _, err := media.OpenURL(ctx, "s3://missing?endpoint="+srv.URL+"&region=us-east-1", ""); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("a missing bucket: %v", err)
	}
}

// Two stores on one bucket are two nodes: a file one writes, the other
// serves, with byte ranges as a video player asks for them.
func TestS3StoreSharedAndRanged(t *testing.T) {
	srv := s3test.New(t)
	ctx := context.Background()
	nodeA, err := media.OpenURL(ctx, srv.MediaURL(), "")
	if err != nil {
		t.Fatal(err)
	}
	nodeB, err := media.OpenURL(ctx, srv.MediaURL(), "")
	if err != nil {
		t.Fatal(err)
	}
	video := make([]byte, 3<<20+17)
	_, _ = rand.Read(video)
	copy(video, "\x00\x00\x00\x18ftypmp42")
	n, err := nodeA.Put(ctx, "video/a/clip.mp4", bytes.NewReader(video))
	if err != nil || n != int64(len(video)) {
		t.Fatalf("put: %d %v", n, err)
	}

	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := media.Serve(w, r, nodeB, "video/a/clip.mp4", "video/mp4"); err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
		}
	})
	get := func(rng string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/m", nil)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	whole := get("")
	if whole.Code != http.StatusOK || !bytes.Equal(whole.Body.Bytes(), video) {
		t.Fatalf("whole file through node B: %d, %d bytes", whole.Code, whole.Body.Len())
	}
	part := get("bytes=1048576-1049599")
	if part.Code != http.StatusPartialContent || !bytes.Equal(part.Body.Bytes(), video[1048576:1049600]) {
		t.Fatalf("range: %d, %d bytes", part.Code, part.Body.Len())
	}
	if cr := part.Header().Get("Content-Range"); cr != "bytes 1048576-1049599/3145745" {
		t.Fatalf("Content-Range %q", cr)
	}
	tail := get("bytes=-100")
	if tail.Code != http.StatusPartialContent || !bytes.Equal(tail.Body.Bytes(), video[len(video)-100:]) {
		t.Fatalf("suffix range: %d, %d bytes", tail.Code, tail.Body.Len())
	}
	if bad := get("bytes=9999999-"); bad.Code != http.StatusRequestedRangeNotSatisfiable {
		t.Fatalf("range past the end: %d", bad.Code)
	}

	// Seek and read through the File interface directly.
	f, err := nodeB.Open(ctx, "video/a/clip.mp4")
	if err != nil {
		t.Fatal(err)
	}
	if f.Size() != int64(len(video)) || f.ModTime().IsZero() {
		t.Fatalf("size %d, modtime %v", f.Size(), f.ModTime())
	}
	if _, err := f.Seek(-10, io.SeekEnd); err != nil {
		t.Fatal(err)
	}
	last, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(last, video[len(video)-10:]) {
		t.Fatalf("seek from the end read %x", last)
	}

	if err := nodeB.Delete(ctx, "video/a/clip.mp4"); err != nil {
		t.Fatal(err)
	}
	if _, err := nodeA.Open(ctx, "video/a/clip.mp4"); !errors.Is(err, errs.NotFound) {
		t.Fatalf("deleted on B, open on A: %v", err)
	}
	if err := nodeA.Delete(ctx, "video/a/clip.mp4"); err != nil {
		t.Fatalf("deleting a missing object: %v", err)
	}
	if _, err := nodeA.Open(ctx, "../etc/passwd"); !errors.Is(err, errs.NotFound) {
		t.Fatalf("a key outside the store: %v", err)
	}
}

// Save checks types by content the same way on S3.
func TestSaveOnS3(t *testing.T) {
	srv := s3test.New(t)
	ctx := context.Background()
	s, err := media.OpenURL(ctx, srv.MediaURL(), "")
	if err != nil {
		t.Fatal(err)
	}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82")
	saved, err := media.Save(ctx, s, "avatars", media.Avatar, bytes.NewReader(png))
	if err != nil || saved.ContentType != "image/png" {
		t.Fatalf("save: %+v %v", saved, err)
	}
	f, err := s.Open(ctx, saved.Key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, png) {
		t.Fatal("the saved avatar reads back different")
	}
}

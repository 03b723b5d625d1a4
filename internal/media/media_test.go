package media

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/errs"
)

var png1x1 = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82")

func TestSaveChecksContentNotName(t *testing.T) {
	s := Dir{Root: t.TempDir()}
	ctx := context.Background()
	saved, err := Save(ctx, s, "avatars", Avatar, bytes.NewReader(png1x1))
	if err != nil || saved.ContentType != "image/png" || !strings.HasSuffix(saved.Key, ".png") {
		t.Fatalf("png: %+v %v", saved, err)
	}
	_, err = Save(ctx, s, "avatars", Avatar, strings.NewReader("<html><script>alert(1)</script></html>"))
	if !errors.Is(err, errs.Invalid) {
		t.Fatalf("html accepted as avatar: %v", err)
	}
	big := append(append([]byte{}, png1x1...), bytes.Repeat([]byte{0}, int(Avatar.MaxBytes))...)
	_, err = Save(ctx, s, "avatars", Avatar, bytes.NewReader(big))
	if !errors.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), "2 MB") {
		t.Fatalf("oversized avatar: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(s.Root, "avatars"))
	if len(entries) != 1 {
		t.Fatalf("rejected uploads left %d files, want only the accepted one", len(entries))
	}
}

func TestServeSupportsRanges(t *testing.T) {
	s := Dir{Root: t.TempDir()}
	ctx := context.Background()
	if _, err := s.Put(ctx, "v/a.mp4", strings.NewReader("0123456789")); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/x", nil)
	req.Header.Set("Range", "bytes=2-5")
	rec := httptest.NewRecorder()
	if err := Serve(rec, req, s, "v/a.mp4", "video/mp4"); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusPartialContent || rec.Body.String() != "2345" {
		t.Fatalf("range: %d %q", rec.Code, rec.Body.String())
	}
	if _, err := s.Open(ctx, "../etc/passwd"); !errors.Is(err, errs.NotFound) {
		t.Fatalf("path escape: %v", err)
	}
}

func TestSniffVoiceFormats(t *testing.T) {
	asf := []byte{0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C, 1, 2, 3}
	for want, head := range map[string][]byte{
		"audio/amr":      []byte("#!AMR\n\x00\x00"),
		"audio/x-ms-wma": asf,
		"audio/wave":     []byte("RIFF\x00\x00\x00\x00WAVEfmt "),
	} {
		if got := Sniff(head); got != want {
			t.Errorf("Sniff = %q, want %q", got, want)
		}
	}
}

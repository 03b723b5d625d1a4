package media_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/media/mediatest"
)

// TestImagesDeclaringTooManyPixelsAreRefused: files of a few hundred bytes
// declaring 50000 × 50000 in any format are refused with a message that
// says why, and nothing is stored; images within the limits are kept.
func TestImagesDeclaringTooManyPixelsAreRefused(t *testing.T) {
	ctx := context.Background()
	s := media.Dir{Root: t.TempDir()}
	for _, c := range []struct {
		name string
		file []byte
		ok   bool
	}{
		{"png 50000²", mediatest.PNG(50000, 50000), false},
		{"jpeg 50000²", mediatest.JPEG(50000, 50000), false},
		{"gif 50000²", mediatest.GIF(50000, 50000), false},
		{"webp 30000²", mediatest.WebP(30000, 30000), false},
		{"bmp 50000²", mediatest.BMP(50000, 50000), false},
		{"png one side too long", mediatest.PNG(media.MaxImageSide+1, 1), false},
		{"png 7072² (50.01 MP)", mediatest.PNG(7072, 7072), false},
		{"png 20000 × 2500 (50 MP)", mediatest.PNG(20000, 2500), true},
		{"png 4000 × 3000", mediatest.PNG(4000, 3000), true},
		{"jpeg 1920 × 1080", mediatest.JPEG(1920, 1080), true},
		{"gif 640 × 480", mediatest.GIF(640, 480), true},
		{"webp 1024²", mediatest.WebP(1024, 1024), true},
		{"bmp 800 × 600", mediatest.BMP(800, 600), true},
	} {
		saved, err := media.Save(ctx, s, "chat", media.Image, bytes.NewReader(c.file))
		if c.ok {
			if err != nil {
				t.Errorf("%s (%d bytes): %v", c.name, len(c.file), err)
			}
			continue
		}
		if !errors.Is(err, media.ErrImageSize) || !errors.Is(err, errs.Invalid) || !bytes.Contains([]byte(errs.Message(err)), []byte("pixels")) {
			t.Errorf("%s (%d bytes): saved %+v, error %v; want refused for its dimensions", c.name, len(c.file), saved, err)
		}
	}
	if files, _ := os.ReadDir(filepath.Join(s.Root, "chat")); len(files) != 6 {
		t.Errorf("the store holds %d files, want the 6 accepted", len(files))
	}
	// A header that cannot be read is refused too.
	_, err := media.Save(ctx, s, "chat", media.Image, bytes.NewReader(append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte("x"), 100)...)))
	if !errors.Is(err, media.ErrImageUnreadable) || !errors.Is(err, errs.Invalid) {
		t.Errorf("a PNG with a broken header: %v", err)
	}
	// Avatars and documents are held to the same limits.
	if _, err := media.Save(ctx, s, "avatars", media.Avatar, bytes.NewReader(mediatest.PNG(50000, 50000))); !errors.Is(err, media.ErrImageSize) {
		t.Errorf("avatar bomb: %v", err)
	}
	if _, err := media.Save(ctx, s, "docs", media.Document, bytes.NewReader(mediatest.JPEG(30000, 30000))); !errors.Is(err, media.ErrImageSize) {
		t.Errorf("document bomb: %v", err)
	}
}

// FuzzCheckImage: any bytes of any image type are either refused with an
// error wrapping ErrImageSize or ErrImageUnreadable, or declare dimensions
// within the limits; the check never panics.
func FuzzCheckImage(f *testing.F) {
	types := []string{"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"}
	for i, b := range [][]byte{mediatest.PNG(1, 1), mediatest.JPEG(2, 2), mediatest.GIF(3, 3), mediatest.WebP(4, 4), mediatest.BMP(5, 5)} {
		f.Add(b, uint8(i))
		f.Add(b[:len(b)/2], uint8(i))
	}
	f.Add(mediatest.PNG(50000, 50000), uint8(0))
	f.Fuzz(func(t *testing.T, b []byte, which uint8) {
		ct := types[int(which)%len(types)]
		err := media.CheckImage(bytes.NewReader(b), ct, "image")
		if err != nil {
			if !errors.Is(err, media.ErrImageSize) && !errors.Is(err, media.ErrImageUnreadable) {
				t.Fatalf("%s: unexpected error %v", ct, err)
			}
			return
		}
		w, h, err := media.ImageSize(bytes.NewReader(b), ct)
		if err != nil || w <= 0 || h <= 0 || w > media.MaxImageSide || h > media.MaxImageSide || int64(w)*int64(h) > media.MaxImagePixels {
			t.Fatalf("%s passed with %d × %d (%v)", ct, w, h, err)
		}
	})
}

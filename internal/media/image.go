package media

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/bmp"
	"golang.org/x/image/webp"

	"github.com/heraldoa/herald/internal/errs"
)

// Limits on what an image may declare. A browser showing an image holds
// width × height × 4 bytes whatever the file's size: a 29 KB PNG can
// declare 50000 × 50000 (10 GB decoded). Herald refuses such images where
// they come in (chat, avatars, the library, the API).
const (
	MaxImageSide   = 20000      // pixels, either side
	MaxImagePixels = 50_000_000 // width × height (50 megapixels, 200 MB decoded)
)

// Errors an image check wraps (errors.Is): ErrImageSize for dimensions
// beyond the limits, ErrImageUnreadable for a header that cannot be read.
var (
	ErrImageSize       = errors.New("media: image dimensions beyond the limits")
	ErrImageUnreadable = errors.New("media: image header unreadable")
)

// IsImage reports whether ct is an image type whose header Herald reads.
func IsImage(ct string) bool {
	switch ct {
	case "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp":
		return true
	}
	return false
}

// ImageSize reads the width and height an image of type ct declares in its
// header, without decoding its pixels.
func ImageSize(r io.Reader, ct string) (width, height int, err error) {
	var c image.Config
	switch ct {
	case "image/png":
		c, err = png.DecodeConfig(r)
	case "image/jpeg":
		c, err = jpeg.DecodeConfig(r)
	case "image/gif":
		c, err = gif.DecodeConfig(r)
	case "image/webp":
		c, err = webp.DecodeConfig(r)
	case "image/bmp":
		c, err = bmp.DecodeConfig(r)
	default:
		return 0, 0, fmt.Errorf("media: no header reader for %s", ct)
	}
	if err != nil {
		return 0, 0, err
	}
	return c.Width, c.Height, nil
}

// CheckImage refuses an image of type ct (an IsImage type) whose header
// cannot be read or whose dimensions are beyond MaxImageSide or
// MaxImagePixels; the error is an errs.Invalid with a message for people,
// wrapping ErrImageSize or ErrImageUnreadable. Other types pass.
func CheckImage(r io.Reader, ct, what string) error {
	if !IsImage(ct) {
		return nil
	}
	w, h, err := ImageSize(r, ct)
	if err != nil || w <= 0 || h <= 0 {
		return &errs.Error{Kind: errs.KindInvalid, Err: ErrImageUnreadable,
			Message: fmt.Sprintf("This %s could not be read: it may be damaged. Save it again and retry.", what)}
	}
	if w > MaxImageSide || h > MaxImageSide || int64(w)*int64(h) > MaxImagePixels {
		return &errs.Error{Kind: errs.KindInvalid, Err: ErrImageSize,
			Message: fmt.Sprintf("This %s is %d × %d pixels; images may be at most %d pixels on a side and %d megapixels in all.",
				what, w, h, MaxImageSide, MaxImagePixels/1_000_000)}
	}
	return nil
}

// CheckStored runs CheckImage on a file already in the store (reading only
// its header).
func CheckStored(ctx context.Context, s Store, key, ct, what string) error {
	f, err := s.Open(ctx, key)
	if err != nil {
		return err
	}
	defer f.Close()
	return CheckImage(bufio.NewReader(f), ct, what)
}

package compat

import (
	"bytes"
	"fmt"
	"image/png"
	"math/rand/v2"
	"testing"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/heraldoa/herald/internal/qrcode"
)

// byteCapacityM is ISO/IEC 18004's table of byte-mode capacity at level M,
// versions 1 to 10: the largest content each version holds.
var byteCapacityM = [11]int{0, 14, 26, 42, 62, 84, 106, 122, 152, 180, 213}

// decodeZXing reads a PNG with gozxing, an independent QR decoder, and
// returns the content's bytes (ISO-8859-1 maps each byte to one rune) and
// the error-correction level it read.
func decodeZXing(t *testing.T, pngBytes []byte) ([]byte, string) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	hints := map[gozxing.DecodeHintType]any{
		gozxing.DecodeHintType_PURE_BARCODE:  true,
		gozxing.DecodeHintType_CHARACTER_SET: "ISO-8859-1",
	}
	res, err := gzqr.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		t.Fatalf("gozxing cannot read the code: %v", err)
	}
	var out []byte
	for _, r := range res.GetText() {
		if r > 0xff {
			t.Fatalf("decoded rune %U is not one byte", r)
		}
		out = append(out, byte(r))
	}
	level, _ := res.GetResultMetadata()[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL].(string)
	return out, level
}

// TestQRCodesReadByAnIndependentDecoder encodes with Herald's QR encoder
// (byte mode, level M, versions 1 to 10) and decodes with gozxing, so that
// a mistake shared by Herald's encoder and its own decoder cannot hide: every
// version at its smallest and largest content, ASCII, UTF-8 and arbitrary
// bytes, and contents until each of the eight masks has been chosen.
func TestQRCodesReadByAnIndependentDecoder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(name string, data []byte) *qrcode.Code {
		t.Helper()
		c, err := qrcode.Encode(data)
		if err != nil {
			t.Fatalf("%s: encode %d bytes: %v", name, len(data), err)
		}
		got, level := decodeZXing(t, c.PNG(4))
		if !bytes.Equal(got, data) {
			t.Fatalf("%s (version %d, mask %d): gozxing read %q, want %q", name, c.Version, c.Mask, got, data)
		}
		if level != "M" {
			t.Errorf("%s: error-correction level %q, want M", name, level)
		}
		return c
	}
	randomBytes := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return b
	}

	for v := 1; v <= 10; v++ {
		smallest := byteCapacityM[v-1] + 1
		for _, n := range []int{smallest, byteCapacityM[v]} {
			c := check(fmt.Sprintf("v%d/%d bytes", v, n), randomBytes(n))
			if c.Version != v {
				t.Errorf("%d bytes: version %d, want %d (ISO capacity table)", n, c.Version, v)
			}
			if want := 17 + 4*v; c.Size != want {
				t.Errorf("version %d: %d modules a side, want %d", v, c.Size, want)
			}
		}
	}
	if _, err := qrcode.Encode(randomBytes(byteCapacityM[10] + 1)); err == nil {
		t.Error("214 bytes encoded; version 10-M holds 213")
	}

	check("ASCII ticket URL", []byte("http://weixin.qq.com/q/02abcDEF_ghi-JKL0123456789"))
	check("UTF-8 scene", []byte("scene_str=订阅号-欢迎 👋"))
	check("empty", []byte{})

	masks := map[int]bool{}
	for i := 0; i < 400 && len(masks) < 8; i++ {
		n := 1 + rng.IntN(byteCapacityM[10])
		masks[check(fmt.Sprintf("random %d", i), randomBytes(n)).Mask] = true
	}
	if len(masks) < 8 {
		t.Errorf("only masks %v were chosen in 400 codes; every mask must be read by gozxing", masks)
	}
}

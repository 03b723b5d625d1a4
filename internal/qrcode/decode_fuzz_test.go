package qrcode

import (
	"bytes"
	"image"
	"image/png"
	"testing"
)

// FuzzDecode: Decode reads any picture, however broken, without panicking;
// a PNG of one of Herald's own codes reads back its text.
func FuzzDecode(f *testing.F) {
	c, err := Encode([]byte("https://herald.example/q/abc"))
	if err != nil {
		f.Fatal(err)
	}
	good := c.PNG(4)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			// Not a PNG: read the bytes as a grey picture instead.
			side := 1
			for side*side < len(b) {
				side++
			}
			g := image.NewGray(image.Rect(0, 0, side, side))
			copy(g.Pix, b)
			img = g
		} else if r := img.Bounds(); r.Dx()*r.Dy() > 1<<20 {
			return
		}
		s, err := Decode(img)
		if bytes.Equal(b, good) && (err != nil || s != "https://herald.example/q/abc") {
			t.Fatalf("own code read as %q, %v", s, err)
		}
	})
}

package qrcode

import (
	"bytes"
	"fmt"
	"image/png"
	"strings"
	"testing"
)

func decode(t *testing.T, m [][]bool) string {
	t.Helper()
	s, err := decodeModules(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFormatAndVersionBitsKnownAnswers(t *testing.T) {
	// ISO/IEC 18004 Table C.1, level M.
	want := []string{"101010000010010", "101000100100101", "101111001111100", "101101101001011",
		"100010111111001", "100000011001110", "100111110010111", "100101010100000"}
	for mask, w := range want {
		if got := fmt.Sprintf("%015b", FormatBits(mask)); got != w {
			t.Errorf("mask %d: format %s, want %s", mask, got, w)
		}
	}
	// Table D.1.
	if got := fmt.Sprintf("%018b", VersionBits(7)); got != "000111110010010100" {
		t.Errorf("version 7 info %s", got)
	}
	if got := fmt.Sprintf("%018b", VersionBits(10)); got != "001010010011010011" {
		t.Errorf("version 10 info %s", got)
	}
}

func TestRoundTripEveryVersion(t *testing.T) {
	base := "http://127.0.0.1:8080/q/gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw=="
	seen := map[int]bool{}
	for n := 1; n <= 213; n += 7 {
		s := strings.Repeat(base, 3)[:n]
		c, err := Encode([]byte(s))
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		seen[c.Version] = true
		if got := decode(t, c.Modules); got != s {
			t.Fatalf("version %d: decoded %q, want %q", c.Version, got, s)
		}
		// The finder pattern's centre and the timing pattern are in place.
		if !c.Modules[3][3] || c.Modules[1][1] || !c.Modules[6][8] || c.Modules[6][9] {
			t.Fatalf("version %d: function patterns misplaced", c.Version)
		}
	}
	for v := 1; v <= 10; v++ {
		if !seen[v] {
			t.Errorf("version %d never used", v)
		}
	}
	if _, err := Encode(make([]byte, 214)); err != ErrTooLong {
		t.Fatalf("214 bytes: %v, want ErrTooLong", err)
	}
}

func TestPNGIsAnImageOfTheModules(t *testing.T) {
	c, err := Encode([]byte("http://herald.example/q/abc"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(c.PNG(4)))
	if err != nil {
		t.Fatal(err)
	}
	want := (c.Size + 8) * 4
	if b := img.Bounds(); b.Dx() != want || b.Dy() != want {
		t.Fatalf("size %v, want %d", b, want)
	}
	// Scan the image back.
	if got, err := Decode(img); err != nil || got != "http://herald.example/q/abc" {
		t.Fatalf("decoded %q, %v", got, err)
	}
	// A damaged symbol fails its Reed-Solomon check instead of misreading.
	c.Modules[c.Size-1][c.Size-1] = !c.Modules[c.Size-1][c.Size-1]
	c.Modules[c.Size-2][c.Size-1] = !c.Modules[c.Size-2][c.Size-1]
	bad, _ := png.Decode(bytes.NewReader(c.PNG(4)))
	if got, err := Decode(bad); err == nil {
		t.Fatalf("damaged symbol decoded as %q", got)
	}
	// The quiet zone is white.
	if r, _, _, _ := img.At(1, 1).RGBA(); r < 0x8000 {
		t.Fatal("quiet zone is dark")
	}
}

package qrcode

import (
	"bytes"
	"fmt"
	"image/png"
	"strings"
	"testing"
)

// decode reads a symbol back the way a scanner does once it has sampled
// the grid: format information (checked against its BCH code), unmasking,
// de-interleaving, a Reed-Solomon syndrome check of every block, and the
// byte-mode segment.
func decode(t *testing.T, m [][]bool) string {
	t.Helper()
	size := len(m)
	v := (size - 17) / 4
	// Format bits, first copy, in the order drawFormat writes them.
	pos := [][2]int{}
	for i := 0; i <= 5; i++ {
		pos = append(pos, [2]int{8, i})
	}
	pos = append(pos, [2]int{8, 7}, [2]int{8, 8}, [2]int{7, 8})
	for i := 9; i < 15; i++ {
		pos = append(pos, [2]int{14 - i, 8})
	}
	bits := 0
	for i, p := range pos {
		if m[p[1]][p[0]] {
			bits |= 1 << i
		}
	}
	// second copy must agree
	bits2 := 0
	for i := 0; i < 8; i++ {
		if m[8][size-1-i] {
			bits2 |= 1 << i
		}
	}
	for i := 8; i < 15; i++ {
		if m[size-15+i][8] {
			bits2 |= 1 << i
		}
	}
	if bits != bits2 {
		t.Fatalf("format copies differ: %015b vs %015b", bits, bits2)
	}
	unmasked := bits ^ 0x5412
	if unmasked>>13 != 0 {
		t.Fatalf("error-correction level is not M: %015b", bits)
	}
	mask := unmasked >> 10 & 7
	if FormatBits(mask) != bits {
		t.Fatalf("format bits %015b fail their BCH check", bits)
	}
	ref := newCode(v)
	var raw []bool
	ref.zigzag(func(x, y int) { raw = append(raw, m[y][x] != maskBit(mask, x, y)) })
	vm := versionsM[v]
	cw := make([]byte, vm.total)
	for i := 0; i < vm.total*8; i++ {
		if raw[i] {
			cw[i>>3] |= 1 << uint(7-i&7)
		}
	}
	// De-interleave.
	short := vm.total / vm.blocks
	nShort := vm.blocks - vm.total%vm.blocks
	blocks := make([][]byte, vm.blocks)
	k := 0
	for i := 0; i < short-vm.ecPerBlock+1; i++ {
		for j := range blocks {
			if i == short-vm.ecPerBlock && j < nShort {
				continue
			}
			blocks[j] = append(blocks[j], cw[k])
			k++
		}
	}
	for i := 0; i < vm.ecPerBlock; i++ {
		for j := range blocks {
			blocks[j] = append(blocks[j], cw[k])
			k++
		}
	}
	var data []byte
	for j, b := range blocks {
		// Every syndrome of a valid codeword is zero: c(α^i) = 0.
		a := byte(1)
		for i := 0; i < vm.ecPerBlock; i++ {
			var s byte
			for _, c := range b {
				s = gfMul(s, a) ^ c
			}
			if s != 0 {
				t.Fatalf("block %d: syndrome %d is %d, not 0", j, i, s)
			}
			a = gfMul(a, 2)
		}
		data = append(data, b[:len(b)-vm.ecPerBlock]...)
	}
	// Byte-mode segment.
	rd := 0
	read := func(n int) int {
		x := 0
		for i := 0; i < n; i++ {
			x = x<<1 | int(data[rd>>3]>>uint(7-rd&7)&1)
			rd++
		}
		return x
	}
	if mode := read(4); mode != 4 {
		t.Fatalf("mode %04b, want byte mode 0100", mode)
	}
	n := read(8)
	if v >= 10 {
		rd -= 8
		n = read(16)
	}
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(read(8))
	}
	return string(out)
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
	// Sample the centre of every module and read the symbol back.
	m := make([][]bool, c.Size)
	for y := range m {
		m[y] = make([]bool, c.Size)
		for x := range m[y] {
			r, _, _, _ := img.At((x+4)*4+2, (y+4)*4+2).RGBA()
			m[y][x] = r < 0x8000
		}
	}
	if got := decode(t, m); got != "http://herald.example/q/abc" {
		t.Fatalf("decoded %q", got)
	}
	// The quiet zone is white.
	if r, _, _, _ := img.At(1, 1).RGBA(); r < 0x8000 {
		t.Fatal("quiet zone is dark")
	}
}

package qrcode

import (
	"errors"
	"fmt"
	"image"
)

// ErrNotFound is returned by Decode when the image holds no symbol it can
// read.
var ErrNotFound = errors.New("qrcode: no readable symbol")

// Decode reads a symbol rendered the way PNG renders it: axis-aligned,
// square modules of a whole number of pixels, on a white quiet zone. It is
// the scanner of Herald's own codes (tests, and the emulator's "scan this
// PNG"), not a camera decoder. It checks the format information, every
// Reed-Solomon block and the byte-mode segment.
func Decode(img image.Image) (string, error) {
	b := img.Bounds()
	dark := func(x, y int) bool {
		r, g, bl, _ := img.At(x, y).RGBA()
		return r+g+bl < 3*0x8000
	}
	// The top-left finder's corner is the first dark pixel on the diagonal.
	off := -1
	for d := 0; b.Min.X+d < b.Max.X && b.Min.Y+d < b.Max.Y; d++ {
		if dark(b.Min.X+d, b.Min.Y+d) {
			off = d
			break
		}
	}
	if off < 0 {
		return "", ErrNotFound
	}
	// The finder is 7 modules wide: measure its top edge.
	w := 0
	for x := b.Min.X + off; x < b.Max.X && dark(x, b.Min.Y+off); x++ {
		w++
	}
	if w < 7 || w%7 != 0 {
		return "", ErrNotFound
	}
	scale := w / 7
	size := (b.Dx() - 2*off) / scale
	if size < 21 || size > 57 {
		return "", ErrNotFound
	}
	m := make([][]bool, size)
	for y := range m {
		m[y] = make([]bool, size)
		for x := range m[y] {
			m[y][x] = dark(b.Min.X+off+x*scale+scale/2, b.Min.Y+off+y*scale+scale/2)
		}
	}
	return decodeModules(m)
}

// decodeModules reads a symbol back the way a scanner does once it has sampled
// the grid: format information (checked against its BCH code), unmasking,
// de-interleaving, a Reed-Solomon syndrome check of every block, and the
// byte-mode segment.
func decodeModules(m [][]bool) (string, error) {
	size := len(m)
	v := (size - 17) / 4
	if v < 1 || v > 10 || (size-17)%4 != 0 {
		return "", ErrNotFound
	}
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
		return "", fmt.Errorf("format copies differ: %015b vs %015b", bits, bits2)
	}
	unmasked := bits ^ 0x5412
	if unmasked>>13 != 0 {
		return "", fmt.Errorf("error-correction level is not M: %015b", bits)
	}
	mask := unmasked >> 10 & 7
	if FormatBits(mask) != bits {
		return "", fmt.Errorf("format bits %015b fail their BCH check", bits)
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
				return "", fmt.Errorf("block %d: syndrome %d is %d, not 0", j, i, s)
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
			if rd>>3 >= len(data) {
				return 0
			}
			x = x<<1 | int(data[rd>>3]>>uint(7-rd&7)&1)
			rd++
		}
		return x
	}
	if mode := read(4); mode != 4 {
		return "", fmt.Errorf("mode %04b, want byte mode 0100", mode)
	}
	n := read(8)
	if v >= 10 {
		rd -= 8
		n = read(16)
	}
	if 4+8*n > 8*len(data) {
		return "", fmt.Errorf("qrcode: segment of %d bytes does not fit", n)
	}
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(read(8))
	}
	return string(out), nil
}

// Package qrcode is the developer API's parametric QR codes: a small QR
// Code encoder (byte mode, error-correction level M, versions 1 to 10, so
// up to 213 bytes; ISO/IEC 18004) rendered as PNG, and the store of QR
// tickets created by qrcode/create.
package qrcode

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
)

// ErrTooLong is returned for content beyond version 10-M (213 bytes).
var ErrTooLong = errors.New("qrcode: content too long for versions 1-10 at level M")

// blocks per version (index 1..10) at level M: total codewords, EC
// codewords per block, number of blocks.
var versionsM = [11]struct{ total, ecPerBlock, blocks int }{
	{}, {26, 10, 1}, {44, 16, 1}, {70, 26, 1}, {100, 18, 2}, {134, 24, 2},
	{172, 16, 4}, {196, 18, 4}, {242, 22, 4}, {292, 22, 5}, {346, 26, 5},
}

var alignment = [11][]int{
	{}, {}, {6, 18}, {6, 22}, {6, 26}, {6, 30}, {6, 34}, {6, 22, 38}, {6, 24, 42}, {6, 26, 46}, {6, 28, 50},
}

// Code is an encoded symbol: Modules[y][x] is true for a dark module.
type Code struct {
	Version int
	Mask    int
	Size    int
	Modules [][]bool
	fn      [][]bool // function patterns (not data)
}

func dataCapacity(v int) int {
	vm := versionsM[v]
	return vm.total - vm.ecPerBlock*vm.blocks
}

// Encode makes the smallest symbol (versions 1-10, level M) holding data
// in byte mode, with the mask of lowest penalty.
func Encode(data []byte) (*Code, error) {
	v := 1
	for ; v <= 10; v++ {
		countBits := 8
		if v >= 10 {
			countBits = 16
		}
		if 4+countBits+8*len(data) <= 8*dataCapacity(v) {
			break
		}
	}
	if v > 10 {
		return nil, ErrTooLong
	}
	codewords := addECC(v, dataCodewords(v, data))
	var best *Code
	bestScore := -1
	for mask := 0; mask < 8; mask++ {
		c := newCode(v)
		c.drawCodewords(codewords)
		c.applyMask(mask)
		c.drawFormat(mask)
		c.Mask = mask
		if s := c.penalty(); bestScore < 0 || s < bestScore {
			best, bestScore = c, s
		}
	}
	return best, nil
}

func dataCodewords(v int, data []byte) []byte {
	var bits []bool
	put := func(val, n int) {
		for i := n - 1; i >= 0; i-- {
			bits = append(bits, val>>uint(i)&1 == 1)
		}
	}
	put(0b0100, 4) // byte mode
	if v >= 10 {
		put(len(data), 16)
	} else {
		put(len(data), 8)
	}
	for _, b := range data {
		put(int(b), 8)
	}
	capBits := 8 * dataCapacity(v)
	for i := 0; i < 4 && len(bits) < capBits; i++ {
		bits = append(bits, false) // terminator
	}
	for len(bits)%8 != 0 {
		bits = append(bits, false)
	}
	out := make([]byte, 0, capBits/8)
	for i := 0; i < len(bits); i += 8 {
		var b byte
		for j := 0; j < 8; j++ {
			if bits[i+j] {
				b |= 1 << uint(7-j)
			}
		}
		out = append(out, b)
	}
	for pad := byte(0xEC); len(out) < capBits/8; pad ^= 0xEC ^ 0x11 {
		out = append(out, pad)
	}
	return out
}

// splitBlocks returns the data part of each block (short blocks first).
func splitBlocks(v int, data []byte) [][]byte {
	vm := versionsM[v]
	short := vm.total / vm.blocks // codewords in a short block
	nShort := vm.blocks - vm.total%vm.blocks
	var out [][]byte
	k := 0
	for i := 0; i < vm.blocks; i++ {
		n := short - vm.ecPerBlock
		if i >= nShort {
			n++
		}
		out = append(out, data[k:k+n])
		k += n
	}
	return out
}

// addECC splits data into blocks, appends Reed-Solomon codewords and
// interleaves them.
func addECC(v int, data []byte) []byte {
	vm := versionsM[v]
	blocks := splitBlocks(v, data)
	div := rsDivisor(vm.ecPerBlock)
	var ecc [][]byte
	maxData := 0
	for _, b := range blocks {
		ecc = append(ecc, rsRemainder(b, div))
		if len(b) > maxData {
			maxData = len(b)
		}
	}
	out := make([]byte, 0, vm.total)
	for i := 0; i < maxData; i++ {
		for _, b := range blocks {
			if i < len(b) {
				out = append(out, b[i])
			}
		}
	}
	for i := 0; i < vm.ecPerBlock; i++ {
		for _, e := range ecc {
			out = append(out, e[i])
		}
	}
	return out
}

func gfMul(x, y byte) byte {
	var z int
	for i := 7; i >= 0; i-- {
		z = (z << 1) ^ ((z >> 7) * 0x11D)
		z ^= int((y>>uint(i))&1) * int(x)
	}
	return byte(z)
}

// rsDivisor is the generator polynomial (x-α^0)...(x-α^(deg-1)) without
// its leading 1, highest power first.
func rsDivisor(deg int) []byte {
	res := make([]byte, deg)
	res[deg-1] = 1
	root := byte(1)
	for i := 0; i < deg; i++ {
		for j := range res {
			res[j] = gfMul(res[j], root)
			if j+1 < len(res) {
				res[j] ^= res[j+1]
			}
		}
		root = gfMul(root, 0x02)
	}
	return res
}

func rsRemainder(data, div []byte) []byte {
	res := make([]byte, len(div))
	for _, b := range data {
		factor := b ^ res[0]
		copy(res, res[1:])
		res[len(res)-1] = 0
		for i := range res {
			res[i] ^= gfMul(div[i], factor)
		}
	}
	return res
}

func newCode(v int) *Code {
	size := 17 + 4*v
	c := &Code{Version: v, Size: size, Modules: make([][]bool, size), fn: make([][]bool, size)}
	for i := range c.Modules {
		c.Modules[i] = make([]bool, size)
		c.fn[i] = make([]bool, size)
	}
	for i := 0; i < size; i++ {
		c.set(6, i, i%2 == 0)
		c.set(i, 6, i%2 == 0)
	}
	c.finder(3, 3)
	c.finder(size-4, 3)
	c.finder(3, size-4)
	al := alignment[v]
	n := len(al)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if (i == 0 && j == 0) || (i == 0 && j == n-1) || (i == n-1 && j == 0) {
				continue
			}
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					c.set(al[i]+dx, al[j]+dy, max(abs(dx), abs(dy)) != 1)
				}
			}
		}
	}
	c.drawFormat(0) // reserve the format areas; redrawn after masking
	if v >= 7 {
		bits := VersionBits(v)
		for i := 0; i < 18; i++ {
			b := bits>>uint(i)&1 == 1
			a, bb := size-11+i%3, i/3
			c.set(a, bb, b)
			c.set(bb, a, b)
		}
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// set marks a function module at column x, row y.
func (c *Code) set(x, y int, dark bool) {
	c.Modules[y][x] = dark
	c.fn[y][x] = true
}

func (c *Code) finder(x, y int) {
	for dy := -4; dy <= 4; dy++ {
		for dx := -4; dx <= 4; dx++ {
			xx, yy := x+dx, y+dy
			if xx < 0 || yy < 0 || xx >= c.Size || yy >= c.Size {
				continue
			}
			d := max(abs(dx), abs(dy))
			c.set(xx, yy, d != 2 && d != 4)
		}
	}
}

// FormatBits returns the 15 format bits for level M and mask.
func FormatBits(mask int) int {
	data := 0<<3 | mask // level M is 00
	rem := data
	for i := 0; i < 10; i++ {
		rem = (rem << 1) ^ ((rem >> 9) * 0x537)
	}
	return (data<<10 | rem) ^ 0x5412
}

// VersionBits returns the 18 version-information bits (versions 7+).
func VersionBits(v int) int {
	rem := v
	for i := 0; i < 12; i++ {
		rem = (rem << 1) ^ ((rem >> 11) * 0x1F25)
	}
	return v<<12 | rem
}

func (c *Code) drawFormat(mask int) {
	bits := FormatBits(mask)
	bit := func(i int) bool { return bits>>uint(i)&1 == 1 }
	for i := 0; i <= 5; i++ {
		c.set(8, i, bit(i))
	}
	c.set(8, 7, bit(6))
	c.set(8, 8, bit(7))
	c.set(7, 8, bit(8))
	for i := 9; i < 15; i++ {
		c.set(14-i, 8, bit(i))
	}
	for i := 0; i < 8; i++ {
		c.set(c.Size-1-i, 8, bit(i))
	}
	for i := 8; i < 15; i++ {
		c.set(8, c.Size-15+i, bit(i))
	}
	c.set(8, c.Size-8, true) // the dark module
}

// zigzag calls fn for every data module in placement order.
func (c *Code) zigzag(fn func(x, y int)) {
	for right := c.Size - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		for vert := 0; vert < c.Size; vert++ {
			for j := 0; j < 2; j++ {
				x := right - j
				y := vert
				if (right+1)&2 == 0 {
					y = c.Size - 1 - vert
				}
				if !c.fn[y][x] {
					fn(x, y)
				}
			}
		}
	}
}

func (c *Code) drawCodewords(data []byte) {
	i := 0
	c.zigzag(func(x, y int) {
		if i < len(data)*8 {
			c.Modules[y][x] = data[i>>3]>>uint(7-i&7)&1 == 1
		}
		i++
	})
}

func maskBit(mask, x, y int) bool {
	switch mask {
	case 0:
		return (x+y)%2 == 0
	case 1:
		return y%2 == 0
	case 2:
		return x%3 == 0
	case 3:
		return (x+y)%3 == 0
	case 4:
		return (x/3+y/2)%2 == 0
	case 5:
		return x*y%2+x*y%3 == 0
	case 6:
		return (x*y%2+x*y%3)%2 == 0
	default:
		return ((x+y)%2+x*y%3)%2 == 0
	}
}

func (c *Code) applyMask(mask int) {
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; x++ {
			if !c.fn[y][x] && maskBit(mask, x, y) {
				c.Modules[y][x] = !c.Modules[y][x]
			}
		}
	}
}

// penalty scores a masked symbol (rules 1, 2, 3 and 4 of the standard).
func (c *Code) penalty() int {
	n := c.Size
	score := 0
	at := func(x, y int, horiz bool) bool {
		if horiz {
			return c.Modules[y][x]
		}
		return c.Modules[x][y]
	}
	for _, horiz := range []bool{true, false} {
		for y := 0; y < n; y++ {
			run := 1
			for x := 1; x < n; x++ {
				if at(x, y, horiz) == at(x-1, y, horiz) {
					run++
					if run == 5 {
						score += 3
					} else if run > 5 {
						score++
					}
				} else {
					run = 1
				}
			}
			for x := 0; x+6 < n; x++ {
				// 1:1:3:1:1 dark-light-dark pattern with 4 light modules on one side
				if at(x, y, horiz) && !at(x+1, y, horiz) && at(x+2, y, horiz) && at(x+3, y, horiz) && at(x+4, y, horiz) && !at(x+5, y, horiz) && at(x+6, y, horiz) {
					before, after := true, true
					for k := 1; k <= 4; k++ {
						before = before && (x-k < 0 || !at(x-k, y, horiz))
						after = after && (x+6+k >= n || !at(x+6+k, y, horiz))
					}
					if before || after {
						score += 40
					}
				}
			}
		}
	}
	dark := 0
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if c.Modules[y][x] {
				dark++
			}
			if x+1 < n && y+1 < n {
				v := c.Modules[y][x]
				if c.Modules[y][x+1] == v && c.Modules[y+1][x] == v && c.Modules[y+1][x+1] == v {
					score += 3
				}
			}
		}
	}
	total := n * n
	k := (abs(dark*20-total*10) + total - 1) / total
	score += (k - 1) * 10
	if k == 0 {
		score += 10
	}
	return score
}

// JPEG renders the symbol as PNG does, as a greyscale JPEG (the type
// WeChat's showqrcode answers with). With scale 8 every module fills whole
// 8×8 JPEG blocks, so the compression loses nothing a scanner sees.
func (c *Code) JPEG(scale int) []byte {
	img, err := png.Decode(bytes.NewReader(c.PNG(scale)))
	if err != nil {
		return nil
	}
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Bounds(), img, image.Point{}, draw.Src)
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, g, &jpeg.Options{Quality: 90}) // writing to a buffer cannot fail
	return buf.Bytes()
}

// PNG renders the symbol with scale pixels per module and the 4-module
// quiet zone the standard requires.
func (c *Code) PNG(scale int) []byte {
	if scale < 1 {
		scale = 1
	}
	const quiet = 4
	w := (c.Size + 2*quiet) * scale
	img := image.NewPaletted(image.Rect(0, 0, w, w), color.Palette{color.White, color.Black})
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; x++ {
			if !c.Modules[y][x] {
				continue
			}
			for dy := 0; dy < scale; dy++ {
				row := ((y+quiet)*scale + dy) * img.Stride
				for dx := 0; dx < scale; dx++ {
					img.Pix[row+(x+quiet)*scale+dx] = 1
				}
			}
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img) // writing to a buffer cannot fail
	return buf.Bytes()
}

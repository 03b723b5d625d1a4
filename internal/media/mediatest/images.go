// Package mediatest makes images for tests: small files that declare any
// dimensions in their headers (decompression bombs, as an attacker sends).
package mediatest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/bmp"
)

func tiny() image.Image { return image.NewRGBA(image.Rect(0, 0, 1, 1)) }

// PNG is a 1 × 1 PNG whose header declares width × height (its CRC fixed).
func PNG(width, height uint32) []byte {
	var b bytes.Buffer
	_ = png.Encode(&b, tiny())
	out := b.Bytes()
	// Signature (8), IHDR length (4) and type (4), then width and height.
	binary.BigEndian.PutUint32(out[16:], width)
	binary.BigEndian.PutUint32(out[20:], height)
	binary.BigEndian.PutUint32(out[29:], crc32.ChecksumIEEE(out[12:29]))
	return out
}

// JPEG is a 1 × 1 JPEG whose frame header declares width × height.
func JPEG(width, height uint16) []byte {
	var b bytes.Buffer
	_ = jpeg.Encode(&b, tiny(), nil)
	out := b.Bytes()
	for i := 2; i+9 < len(out); {
		if out[i] != 0xff {
			break
		}
		marker, n := out[i+1], int(binary.BigEndian.Uint16(out[i+2:]))
		if marker == 0xc0 { // SOF0: length, precision, height, width
			binary.BigEndian.PutUint16(out[i+5:], height)
			binary.BigEndian.PutUint16(out[i+7:], width)
			break
		}
		i += 2 + n
	}
	return out
}

// GIF is a 1 × 1 GIF whose screen declares width × height.
func GIF(width, height uint16) []byte {
	var b bytes.Buffer
	_ = gif.Encode(&b, tiny(), nil)
	out := b.Bytes()
	binary.LittleEndian.PutUint16(out[6:], width)
	binary.LittleEndian.PutUint16(out[8:], height)
	return out
}

// WebP is an extended WebP (VP8X) whose canvas is width × height.
func WebP(width, height uint32) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(4+8+10))
	b.WriteString("WEBPVP8X")
	_ = binary.Write(&b, binary.LittleEndian, uint32(10))
	b.Write([]byte{0, 0, 0, 0})
	w, h := width-1, height-1
	b.Write([]byte{byte(w), byte(w >> 8), byte(w >> 16), byte(h), byte(h >> 8), byte(h >> 16)})
	return b.Bytes()
}

// BMP is a 1 × 1 BMP whose header declares width × height.
func BMP(width, height int32) []byte {
	var b bytes.Buffer
	_ = bmp.Encode(&b, tiny())
	out := b.Bytes()
	binary.LittleEndian.PutUint32(out[18:], uint32(width))
	binary.LittleEndian.PutUint32(out[22:], uint32(height))
	return out
}

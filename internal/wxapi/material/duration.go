package material

import (
	"bytes"
	"encoding/binary"
	"time"
)

// MaxVoice is the longest permanent voice material (45007 beyond).
const MaxVoice = 60 * time.Second

// voiceDuration measures an AMR, WAV or MP3 file; ok is false when the
// format is not one it can measure (WMA) or the file cannot be read.
func voiceDuration(b []byte, contentType string) (d time.Duration, ok bool) {
	switch contentType {
	case "audio/amr":
		return amrDuration(b)
	case "audio/wave":
		return wavDuration(b)
	case "audio/mpeg":
		return mp3Duration(b)
	}
	return 0, false
}

// AMR frame sizes (header byte included) by frame type; 0 = invalid.
var (
	amrNB = [16]int{13, 14, 16, 18, 20, 21, 27, 32, 6, 0, 0, 0, 0, 0, 0, 1}
	amrWB = [16]int{18, 24, 33, 37, 41, 47, 51, 59, 61, 6, 0, 0, 0, 0, 1, 1}
)

// amrDuration counts 20 ms frames.
func amrDuration(b []byte) (time.Duration, bool) {
	sizes := amrNB
	switch {
	case bytes.HasPrefix(b, []byte("#!AMR-WB\n")):
		sizes, b = amrWB, b[9:]
	case bytes.HasPrefix(b, []byte("#!AMR\n")):
		b = b[6:]
	default:
		return 0, false
	}
	frames := 0
	for len(b) > 0 {
		n := sizes[(b[0]>>3)&0x0f]
		if n == 0 || n > len(b) {
			break
		}
		frames++
		b = b[n:]
	}
	return time.Duration(frames) * 20 * time.Millisecond, true
}

// wavDuration divides the data chunk by the byte rate.
func wavDuration(b []byte) (time.Duration, bool) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return 0, false
	}
	var byteRate, data uint32
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), binary.LittleEndian.Uint32(b[p+4:p+8])
		switch id {
		case "fmt ":
			if p+20 <= len(b) {
				byteRate = binary.LittleEndian.Uint32(b[p+16 : p+20])
			}
		case "data":
			data = size
		}
		next := p + 8 + int(size) + int(size&1)
		if size > uint32(len(b)) || next <= p {
			break
		}
		p = next
	}
	if byteRate == 0 {
		return 0, false
	}
	return time.Duration(float64(data) / float64(byteRate) * float64(time.Second)), true
}

var (
	mp3Bitrates = [2][16]int{ // kbit/s, Layer III: MPEG-1, MPEG-2/2.5
		{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0},
	}
	mp3Rates = [4][3]int{{11025, 12000, 8000}, {0, 0, 0}, {22050, 24000, 16000}, {44100, 48000, 32000}} // by version bits
)

// mp3Duration walks the MPEG audio frames (Layer III) after any ID3v2 tag.
func mp3Duration(b []byte) (time.Duration, bool) {
	if len(b) >= 10 && string(b[:3]) == "ID3" {
		size := int(b[6]&0x7f)<<21 | int(b[7]&0x7f)<<14 | int(b[8]&0x7f)<<7 | int(b[9]&0x7f)
		if 10+size > len(b) {
			return 0, false
		}
		b = b[10+size:]
	}
	var total float64
	frames := 0
	for len(b) >= 4 {
		if b[0] != 0xff || b[1]&0xe0 != 0xe0 {
			if frames == 0 { // tolerate leading junk before the first frame
				b = b[1:]
				continue
			}
			break
		}
		ver, layer := (b[1]>>3)&3, (b[1]>>1)&3
		br, sr, pad := int(b[2]>>4), int(b[2]>>2)&3, int(b[2]>>1)&1
		if ver == 1 || layer != 1 || sr == 3 || br == 0 || br == 15 {
			if frames == 0 {
				b = b[1:]
				continue
			}
			break
		}
		mpeg1 := ver == 3
		kbps := mp3Bitrates[1][br]
		samples := 576
		if mpeg1 {
			kbps, samples = mp3Bitrates[0][br], 1152
		}
		rate := mp3Rates[ver][sr]
		size := samples/8*kbps*1000/rate + pad
		if size < 4 {
			break
		}
		total += float64(samples) / float64(rate)
		frames++
		if size > len(b) {
			break
		}
		b = b[size:]
	}
	if frames == 0 {
		return 0, false
	}
	return time.Duration(total * float64(time.Second)), true
}

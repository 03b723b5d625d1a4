package material

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"
)

func amr(frames int) []byte {
	b := []byte("#!AMR\n")
	frame := append([]byte{7 << 3}, make([]byte, 31)...) // 12.2 kbit/s: 32 bytes, 20 ms
	return append(b, bytes.Repeat(frame, frames)...)
}

func wav(byteRate, data uint32) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+data))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, []uint32{16})
	binary.Write(&b, binary.LittleEndian, []uint16{1, 1})
	binary.Write(&b, binary.LittleEndian, []uint32{byteRate / 2, byteRate})
	binary.Write(&b, binary.LittleEndian, []uint16{2, 16})
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, data)
	b.Write(make([]byte, data))
	return b.Bytes()
}

// mp3 is n MPEG-1 Layer III frames at 128 kbit/s, 44.1 kHz (417 bytes,
// 1152 samples each), after an ID3v2 tag.
func mp3(n int) []byte {
	b := []byte{'I', 'D', '3', 3, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0}
	frame := append([]byte{0xff, 0xfb, 0x90, 0x00}, make([]byte, 413)...)
	return append(b, bytes.Repeat(frame, n)...)
}

func TestVoiceDuration(t *testing.T) {
	for _, c := range []struct {
		name string
		b    []byte
		ct   string
		want time.Duration
	}{
		{"amr 60 s", amr(3000), "audio/amr", 60 * time.Second},
		{"amr 60.02 s", amr(3001), "audio/amr", 60*time.Second + 20*time.Millisecond},
		{"wav 2 s", wav(16000, 32000), "audio/wave", 2 * time.Second},
		{"mp3 1000 frames", mp3(1000), "audio/mpeg", 1000 * 1152 * time.Second / 44100},
	} {
		got, ok := voiceDuration(c.b, c.ct)
		if !ok || (got-c.want).Abs() > time.Millisecond {
			t.Errorf("%s: %v %v, want %v", c.name, got, ok, c.want)
		}
	}
	if _, ok := voiceDuration([]byte("0&\xb2u"), "audio/x-ms-wma"); ok {
		t.Error("WMA is not measured")
	}
	if _, ok := voiceDuration([]byte("RIFF\x00\x00\x00\x00WAVE"), "audio/wave"); ok {
		t.Error("a WAV without fmt is not measured")
	}
}

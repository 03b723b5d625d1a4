package media

import (
	"os"
	"testing"
)

// What browsers record is recognised by content: Opus voice in WebM or
// Ogg is audio; a WebM with a video track is video, whatever it is called.
func TestSniffRecordedAudioAndVideo(t *testing.T) {
	for file, want := range map[string]string{
		"testdata/voice.webm":   "audio/webm",
		"testdata/voice.ogg":    "audio/ogg",
		"testdata/av-head.webm": "video/webm",
	} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if got := Sniff(b[:min(len(b), 512)]); got != want {
			t.Errorf("%s sniffs as %q, want %q", file, got, want)
		}
	}
	for name, head := range map[string]string{
		"ogg theora":           "OggS\x00\x02" + string(make([]byte, 20)) + "\x01\x2a\x80theora",
		"ebml, no tracks":      "\x1a\x45\xdf\xa3\x80",
		"webm cut in tracks":   "\x1a\x45\xdf\xa3\x80\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff\x16\x54\xae\x6b\x90\xae",
		"webm cluster first":   "\x1a\x45\xdf\xa3\x80\x18\x53\x80\x67\xff\x1f\x43\xb6\x75\xff",
		"webm, one video only": "\x1a\x45\xdf\xa3\x80\x18\x53\x80\x67\xff\x16\x54\xae\x6b\x85\xae\x83\x83\x81\x01",
	} {
		if got := Sniff([]byte(head)); got == "audio/webm" || got == "audio/ogg" {
			t.Errorf("%s sniffs as %q: not audio", name, got)
		}
	}
	if got := Sniff([]byte("\x1a\x45\xdf\xa3\x80\x18\x53\x80\x67\xff\x16\x54\xae\x6b\x85\xae\x83\x83\x81\x02")); got != "audio/webm" {
		t.Errorf("a WebM with one audio track sniffs as %q", got)
	}
	for _, ct := range []string{"audio/webm", "audio/ogg"} {
		ok := false
		for _, v := range RecordedVoice.Types {
			ok = ok || v == ct
		}
		if !ok {
			t.Errorf("voice does not take %s", ct)
		}
	}
	if Format("audio/webm") != "webm" || Format("audio/amr") != "amr" || Format("audio/wave") != "wav" || Format("x/unknown") != "" {
		t.Error("Format names formats by their file extension")
	}
}

func FuzzSniffAV(f *testing.F) {
	for _, file := range []string{"testdata/voice.webm", "testdata/voice.ogg", "testdata/av-head.webm"} {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b[:min(len(b), 512)])
		}
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		switch ct := sniffAV(head); ct {
		case "", "audio/ogg", "video/ogg", "application/ogg", "audio/webm", "video/webm":
		default:
			t.Fatalf("sniffAV answered %q", ct)
		}
	})
}

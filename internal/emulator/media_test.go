package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/wx/wxmsg"
)

// mediaGet fetches a temporary media_id as an SDK does, following a
// video's video_url.
func (b *blind) mediaGet(mediaID string) (string, []byte) {
	b.t.Helper()
	res, err := http.Get(b.base + "/cgi-bin/media/get?access_token=" + url.QueryEscape(b.tok) + "&media_id=" + url.QueryEscape(mediaID))
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	ct := res.Header.Get("Content-Type")
	if strings.Contains(ct, "json") || strings.HasPrefix(ct, "text/plain") {
		var v struct {
			VideoURL string `json:"video_url"`
		}
		if json.Unmarshal(body, &v) != nil || v.VideoURL == "" {
			b.t.Fatalf("media/get %s: %s", mediaID, body)
		}
		res, err := http.Get(v.VideoURL)
		if err != nil {
			b.t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ = io.ReadAll(res.Body)
		return res.Header.Get("Content-Type"), body
	}
	return ct, body
}

// isMP4 reports whether b is an MP4 file: its first box is ftyp with an
// MP4 brand, and it has a movie box.
func isMP4(b []byte) bool {
	return len(b) > 12 && string(b[4:8]) == "ftyp" && bytes.Contains(b[8:], []byte("mp4")) && bytes.Contains(b, []byte("moov"))
}

// Virtual followers send video, short video, voice and links with real,
// playable sample media; the developer's server receives WeChat's pushes
// with their fields, and media/get returns the files.
func TestVirtualFollowersSendVideoShortVideoVoiceAndLinks(t *testing.T) {
	b, _ := setupBlind(t)
	var r Result
	post(t, b.ctl+"followers", `{"name":"ada","follow":true}`, &r)
	msg := func(m *wxmsg.Message) bool { return m.MsgType != wxmsg.TypeEvent }

	for _, kind := range []string{"video", "shortvideo"} {
		post(t, b.ctl+"followers/ada/send", `{"kind":"`+kind+`"}`, &r)
		m := b.next(msg)
		if m.MsgType != kind || m.MediaID == "" || m.ThumbMediaID == "" || m.MsgID == 0 {
			t.Fatalf("%s push: %+v", kind, m)
		}
		ct, video := b.mediaGet(m.MediaID)
		if ct != "video/mp4" || !isMP4(video) || !bytes.Equal(video, sampleVideo) {
			t.Fatalf("%s: media/get gave %s, %d bytes, MP4 %v", kind, ct, len(video), isMP4(video))
		}
		if ct, cover := b.mediaGet(m.ThumbMediaID); ct != "image/jpeg" || !bytes.Equal(cover, sampleCover) {
			t.Fatalf("%s cover: media/get gave %s, %d bytes", kind, ct, len(cover))
		}
	}
	if len(sampleVideo) > 16<<10 || len(sampleCover) > 4<<10 {
		t.Errorf("the samples are %d and %d bytes: keep them small", len(sampleVideo), len(sampleCover))
	}

	// A video of one's own, with no cover: a placeholder cover.
	own, _ := json.Marshal(map[string]any{"kind": "video", "data": sampleVideo, "title": "Queue at the branch"})
	post(t, b.ctl+"followers/ada/send", string(own), &r)
	m := b.next(msg)
	if ct, cover := b.mediaGet(m.ThumbMediaID); ct != "image/jpeg" || bytes.Equal(cover, sampleCover) || !bytes.HasPrefix(cover, []byte{0xFF, 0xD8}) {
		t.Fatalf("placeholder cover: %s, %d bytes", ct, len(cover))
	}
	// Not a video: refused, with the reason.
	bad, _ := json.Marshal(map[string]any{"kind": "video", "data": []byte("not a video at all")})
	res, err := http.Post(b.ctl+"followers/ada/send", "application/json", bytes.NewReader(bad))
	if err != nil {
		t.Fatal(err)
	}
	why, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 400 || !strings.Contains(string(why), "video must be one of") {
		t.Fatalf("a video that is not one: HTTP %d %s", res.StatusCode, why)
	}

	// Voice: the sample is a WAV tone, pushed with its real format.
	post(t, b.ctl+"followers/ada/send", `{"kind":"voice"}`, &r)
	m = b.next(msg)
	if m.MsgType != "voice" || m.Format != "wav" {
		t.Fatalf("voice push: %+v", m)
	}
	if ct, voice := b.mediaGet(m.MediaID); ct != "audio/wave" || !bytes.HasPrefix(voice, []byte("RIFF")) {
		t.Fatalf("voice: media/get gave %s, %d bytes", ct, len(voice))
	}

	// A link.
	post(t, b.ctl+"followers/ada/send", `{"kind":"link","title":"Rates","description":"This week","url":"https://harbour.example/rates"}`, &r)
	m = b.next(msg)
	if m.MsgType != "link" || m.Title != "Rates" || m.Description != "This week" || m.URL != "https://harbour.example/rates" {
		t.Fatalf("link push: %+v", m)
	}
}

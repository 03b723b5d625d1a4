package ui_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/apptest"
	"github.com/heraldoa/herald/internal/wx/wxcrypt"
)

// pushed is a message as the developer's server receives it.
type pushed struct {
	MsgType      string
	MediaID      string `xml:"MediaId"`
	Format       string
	ThumbMediaID string `xml:"ThumbMediaId"`
	Title        string
	Description  string
	URL          string `xml:"Url"`
}

// devServer is a developer server in plaintext mode that hands over what
// it receives.
func devServer(t *testing.T, token string) (*httptest.Server, chan pushed) {
	t.Helper()
	got := make(chan pushed, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if !wxcrypt.CheckSignature(token, q.Get("timestamp"), q.Get("nonce"), q.Get("signature")) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodGet {
			io.WriteString(w, q.Get("echostr"))
			return
		}
		var p pushed
		if err := xml.NewDecoder(r.Body).Decode(&p); err != nil {
			t.Errorf("push is not XML: %v", err)
		}
		got <- p
		io.WriteString(w, "success")
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func nextPush(t *testing.T, got chan pushed) pushed {
	t.Helper()
	select {
	case p := <-got:
		return p
	case <-time.After(20 * time.Second):
		t.Fatal("the developer server received nothing")
	}
	return pushed{}
}

// postFiles submits a multipart form with several files, as a page would.
func postFiles(t *testing.T, c *apptest.Client, s *apptest.Server, path string, fields url.Values, files map[string][]byte) *apptest.Response {
	t.Helper()
	ups := map[string]upload{}
	for field, content := range files {
		ups[field] = upload{field + ".bin", content}
	}
	return postMultipart(t, s, c, path, fields, ups)
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mediaGet fetches a temporary media_id with the developer API, following
// a video's video_url as an SDK does.
func mediaGet(t *testing.T, h *heraldtest.Herald, token, mediaID string) (string, []byte) {
	t.Helper()
	res, err := http.Get(h.URL + "/cgi-bin/media/get?access_token=" + url.QueryEscape(token) + "&media_id=" + url.QueryEscape(mediaID))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	ct := res.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "text/plain") {
		var v struct {
			VideoURL string `json:"video_url"`
			ErrCode  int    `json:"errcode"`
		}
		if json.Unmarshal(b, &v) == nil && v.VideoURL != "" {
			res, err := http.Get(v.VideoURL)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ = io.ReadAll(res.Body)
			return res.Header.Get("Content-Type"), b
		}
		t.Fatalf("media/get %s: %s", mediaID, b)
	}
	return ct, b
}

func accessToken(t *testing.T, h *heraldtest.Herald, a *heraldtest.Account) string {
	t.Helper()
	res, err := http.Get(h.URL + "/cgi-bin/token?grant_type=client_credential&appid=" + a.AppID + "&secret=" + a.AppSecret)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var v struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil || v.AccessToken == "" {
		t.Fatalf("token: %v", err)
	}
	return v.AccessToken
}

// A follower sends voice (as a browser records it), video and a link from
// the follower app; the developer's server receives WeChat's voice, video
// and link pushes, and media/get returns the files as they were sent.
func TestFollowerSendsVoiceVideoAndLink(t *testing.T) {
	t.Parallel()
	h := heraldtest.New(t)
	s := h.Internal()
	svc := h.Service
	dev, got := devServer(t, "mediaToken1")
	if err := h.SetServer(svc, dev.URL, "mediaToken1", "", "plaintext"); err != nil {
		t.Fatal(err)
	}
	c := s.Client(t)
	c.SignIn(svc.Followers[0].Name, "heraldtest password")
	send := fmt.Sprintf("/chat/%d/send", svc.ID)
	token := accessToken(t, h, svc)

	// Voice, as Chromium's MediaRecorder makes it: Opus in WebM, kept as is.
	voice := readFile(t, "../media/testdata/voice.webm")
	wantRedirect(t, postFiles(t, c, s, send+"?kind=voice", url.Values{"kind": {"voice"}}, map[string][]byte{"voice": voice}), fmt.Sprintf("/chat/%d#latest", svc.ID))
	p := nextPush(t, got)
	if p.MsgType != "voice" || p.Format != "webm" || p.MediaID == "" {
		t.Fatalf("voice push: %+v", p)
	}
	if ct, b := mediaGet(t, h, token, p.MediaID); ct != "audio/webm" || !bytes.Equal(b, voice) {
		t.Fatalf("media/get of the voice: %s, %d bytes (sent %d)", ct, len(b), len(voice))
	}
	// Ogg Opus (Firefox) too.
	ogg := readFile(t, "../media/testdata/voice.ogg")
	wantRedirect(t, postFiles(t, c, s, send+"?kind=voice", url.Values{"kind": {"voice"}}, map[string][]byte{"voice": ogg}), fmt.Sprintf("/chat/%d#latest", svc.ID))
	if p := nextPush(t, got); p.MsgType != "voice" || p.Format != "ogg" {
		t.Fatalf("ogg voice push: %+v", p)
	}

	// A video with the cover the page's script takes from it.
	video := readFile(t, "../emulator/samples/video.mp4")
	cover := readFile(t, "../emulator/samples/video-thumb.jpg")
	wantRedirect(t, postFiles(t, c, s, send+"?kind=video", url.Values{"kind": {"video"}}, map[string][]byte{"video": video, "thumb": cover}), fmt.Sprintf("/chat/%d#latest", svc.ID))
	p = nextPush(t, got)
	if p.MsgType != "video" || p.MediaID == "" || p.ThumbMediaID == "" {
		t.Fatalf("video push: %+v", p)
	}
	if ct, b := mediaGet(t, h, token, p.MediaID); ct != "video/mp4" || !bytes.Equal(b, video) || string(b[4:8]) != "ftyp" {
		t.Fatalf("media/get of the video: %s, %d bytes", ct, len(b))
	}
	if ct, b := mediaGet(t, h, token, p.ThumbMediaID); ct != "image/jpeg" || !bytes.Equal(b, cover) {
		t.Fatalf("media/get of the cover: %s, %d bytes", ct, len(b))
	}
	// Without a script there is no cover: a placeholder JPEG stands in.
	wantRedirect(t, postFiles(t, c, s, send+"?kind=video", url.Values{"kind": {"video"}}, map[string][]byte{"video": video}), fmt.Sprintf("/chat/%d#latest", svc.ID))
	p = nextPush(t, got)
	if ct, b := mediaGet(t, h, token, p.ThumbMediaID); ct != "image/jpeg" || !bytes.HasPrefix(b, []byte{0xFF, 0xD8}) {
		t.Fatalf("placeholder cover: %s, %d bytes", ct, len(b))
	}

	// A link card.
	res := c.PostForm(send, url.Values{"kind": {"link"}, "url": {"javascript:alert(1)"}, "title": {"Rates"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "A link starts with http:// or https://.")
	wantBody(t, res, `value="Rates"`)
	wantRedirect(t, c.PostForm(send, url.Values{"kind": {"link"}, "url": {"https://harbour.example/rates"}, "title": {"Rates"}, "description": {"This week's rates"}}),
		fmt.Sprintf("/chat/%d#latest", svc.ID))
	if p := nextPush(t, got); p.MsgType != "link" || p.Title != "Rates" || p.Description != "This week's rates" || p.URL != "https://harbour.example/rates" {
		t.Fatalf("link push: %+v", p)
	}

	// The conversation plays them: an audio element, a video with its cover, the link card.
	page := c.Get(fmt.Sprintf("/chat/%d", svc.ID))
	for _, want := range []string{`<audio class="voice" controls`, `<video class="video" controls`, `poster="/chat/`, `href="https://harbour.example/rates"`} {
		wantBody(t, page, want)
	}
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "media-src 'self' blob:") || strings.Contains(csp, "unsafe") {
		t.Fatalf("chat page CSP %q", csp)
	}
	// A video's cover is served to its sender only.
	msgs := history(t, s, svc.ID, svc.Followers[0].PersonID)
	var videoID int64
	for _, m := range msgs {
		if m.Kind == "video" {
			videoID = m.ID
		}
	}
	thumb := fmt.Sprintf("/chat/%d/media/%d?thumb=1", svc.ID, videoID)
	if res := c.Get(thumb); res.Status != http.StatusOK || res.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("cover: %d %s", res.Status, res.Header.Get("Content-Type"))
	}
	other := s.Client(t)
	other.SignIn(svc.Followers[1].Name, "heraldtest password")
	wantStatus(t, other.Get(thumb), http.StatusNotFound)

	// What is not a voice is refused next to the recorder, and nothing is stored.
	before := len(msgs)
	res = postFiles(t, c, s, send+"?kind=voice", url.Values{"kind": {"voice"}}, map[string][]byte{"voice": video})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, "This voice must be one of")
	if n := len(history(t, s, svc.ID, svc.Followers[0].PersonID)); n != before {
		t.Fatalf("a refused voice was stored: %d messages, want %d", n, before)
	}
}

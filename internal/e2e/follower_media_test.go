package e2e

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/wx/wxcrypt"
)

// consoleProblems collects the page's console errors, uncaught exceptions
// and Content-Security-Policy violations from now on.
func consoleProblems(t *testing.T, ctx context.Context) func() []string {
	t.Helper()
	var mu sync.Mutex
	var problems []string
	cctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	msgs := chromedp.Console(cctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if strings.HasSuffix(m.URL, "/favicon.ico") {
				continue // the browser asks for one by itself; Herald has none
			}
			if m.IsException() || m.Type == chromedp.ConsoleError || strings.Contains(m.Text, "Content Security Policy") {
				mu.Lock()
				problems = append(problems, m.String()+" ("+m.URL+")")
				mu.Unlock()
			}
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), problems...)
	}
}

// TestFollowerRecordsVoiceAndSendsVideo: on a 360 px phone a follower
// records a voice message with the browser's microphone (Chromium's fake
// device) and sends a video; the account's server receives WeChat's voice,
// video and link pushes, and the conversation shows a playable audio element and
// the video with the cover the page took from it; then they share a link.
func TestFollowerRecordsVoiceAndSendsVideo(t *testing.T) {
	t.Parallel()
	h := heraldtest.New(t)
	s := h.Internal()
	svc := h.Service
	type push struct {
		MsgType     string
		MediaID     string `xml:"MediaId"`
		Format      string
		Title       string
		Description string
		URL         string `xml:"Url"`
	}
	got := make(chan push, 4)
	dev := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if !wxcrypt.CheckSignature("voiceToken1", q.Get("timestamp"), q.Get("nonce"), q.Get("signature")) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodGet {
			io.WriteString(w, q.Get("echostr"))
			return
		}
		var p push
		_ = xml.NewDecoder(r.Body).Decode(&p)
		got <- p
		io.WriteString(w, "success")
	}))
	defer dev.Close()
	if err := h.SetServer(svc, dev.URL, "voiceToken1", "", "plaintext"); err != nil {
		t.Fatal(err)
	}

	ctx := Browser(t)
	problems := consoleProblems(t, ctx)
	do(t, ctx, "use a 360 px phone", chromedp.EmulateViewport(SmallPhoneWidth, 740, chromedp.EmulatePortrait))
	chat := fmt.Sprintf("/chat/%d", svc.ID)
	signIn(t, ctx, s, svc.Followers[0].Name, "heraldtest password", chat, `[data-testid=composer]`)
	do(t, ctx, "open the voice composer",
		chromedp.Click(`.compose-tabs [data-tab=voice]`),
		chromedp.WaitVisible(`[data-record]`),
	)
	fitsSmallPhone(t, ctx, "the voice composer")
	do(t, ctx, "start recording",
		chromedp.Click(`[data-record]`),
		chromedp.WaitVisible(byText("button", "Stop and send")),
	)
	run(t, ctx, "record for a second", chromedp.Poll[bool](`/Recording… [1-9]/.test(document.querySelector("[data-record-status]").textContent)`))
	do(t, ctx, "stop and send",
		chromedp.Click(`[data-record]`),
		chromedp.WaitVisible(`.msg.mine audio.voice`),
	)
	select {
	case p := <-got:
		if p.MsgType != "voice" || p.MediaID == "" || p.Format != "webm" { // Chromium records Opus in WebM
			t.Fatalf("voice push: %+v", p)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the account's server received no voice push")
	}
	// The bubble's audio loads: the browser reads the recording's metadata.
	ready := run(t, ctx, "load the voice", chromedp.Evaluate[bool](`new Promise((ok) => {
		const a = document.querySelector(".msg.mine audio.voice");
		if (a.readyState >= 1) return ok(true);
		a.addEventListener("loadedmetadata", () => ok(true), { once: true });
		a.addEventListener("error", () => ok(false), { once: true });
		a.load();
	})`, chromedp.EvalAwaitPromise))
	if !ready {
		t.Fatal("the voice message does not play")
	}
	// After a reload the server renders the same playable element.
	do(t, ctx, "reload the conversation",
		chromedp.Navigate(s.URL+chat),
		chromedp.WaitVisible(`.msg.mine audio.voice[controls]`),
	)
	fitsSmallPhone(t, ctx, "the conversation with a voice message")

	// A video: the page takes its cover from the first frame (96×64, the
	// sample's size; the placeholder cover is 160×90).
	sample, err := filepath.Abs("../emulator/samples/video.mp4")
	if err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "send a video",
		chromedp.Click(`.compose-tabs [data-tab=video]`),
		chromedp.WaitVisible(`input[name=video]`),
		chromedp.SetUploadFiles(`input[name=video]`, []string{sample}),
		chromedp.Click(byText("button", "Send video")),
		chromedp.WaitVisible(`.msg.mine video.video`),
	)
	select {
	case p := <-got:
		if p.MsgType != "video" || p.MediaID == "" {
			t.Fatalf("video push: %+v", p)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the account's server received no video push")
	}
	width := run(t, ctx, "load the video's cover", chromedp.Evaluate[int](`new Promise((ok) => {
		const v = document.querySelector(".msg.mine video.video");
		const img = new Image();
		img.onload = () => ok(img.naturalWidth);
		img.onerror = () => ok(0);
		img.src = v.poster;
	})`, chromedp.EvalAwaitPromise))
	if width != 96 {
		t.Fatalf("the video's cover is %d px wide, want 96 (its first frame)", width)
	}
	fitsSmallPhone(t, ctx, "the conversation with a video")

	// A link card.
	do(t, ctx, "share a link",
		chromedp.Click(`.compose-tabs [data-tab=link]`),
		chromedp.WaitVisible(`form[data-pane=link] input[name=url]`),
		chromedp.SendKeys(`form[data-pane=link] input[name=url]`, "https://harbour.example/rates"),
		chromedp.SendKeys(`form[data-pane=link] input[name=title]`, "This week's rates"),
		chromedp.SendKeys(`form[data-pane=link] textarea[name=description]`, "Savings and deposits"),
		chromedp.Click(byText("button", "Share link")),
		chromedp.WaitVisible(`.msg.mine a.card-link[href="https://harbour.example/rates"]`),
	)
	select {
	case p := <-got:
		if p.MsgType != "link" || p.Title != "This week's rates" || p.Description != "Savings and deposits" || p.URL != "https://harbour.example/rates" {
			t.Fatalf("link push: %+v", p)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the account's server received no link push")
	}
	fitsSmallPhone(t, ctx, "the conversation with a link")
	if p := problems(); len(p) > 0 {
		t.Fatalf("console problems: %v", p)
	}
}

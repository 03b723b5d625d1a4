package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/wx/wxcrypt"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
)

// echoBot is a developer server that answers every pushed message or event
// with the text "<MsgType>/<Event>: <Content|EventKey>", in any push mode.
type echoBot struct {
	token, aesKey, appID string
	mu                   sync.Mutex
	pushes               []string // one per received push, MsgType/Event
}

func (b *echoBot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !wxcrypt.CheckSignature(b.token, q.Get("timestamp"), q.Get("nonce"), q.Get("signature")) {
		http.Error(w, "bad signature", http.StatusForbidden)
		return
	}
	if r.Method == http.MethodGet {
		_, _ = io.WriteString(w, q.Get("echostr"))
		return
	}
	body, _ := io.ReadAll(r.Body)
	var c *wxcrypt.Cipher
	if q.Get("encrypt_type") == "aes" {
		var err error
		if c, err = wxcrypt.NewCipher(b.aesKey, b.appID); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		env, err := wxmsg.ParseEncryptedPush(body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		if body, err = env.Open(c, b.token, q.Get("timestamp"), q.Get("nonce"), q.Get("msg_signature")); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
	}
	m, err := wxmsg.ParseMessage(body)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	what := m.MsgType
	if m.IsEvent() {
		what += "/" + m.Event
	}
	b.mu.Lock()
	b.pushes = append(b.pushes, what)
	b.mu.Unlock()
	if m.Event == "unsubscribe" {
		_, _ = io.WriteString(w, "success")
		return
	}
	text := what + ": " + m.Content + m.EventKey + m.Label + m.URL
	reply, _ := (&wxmsg.Reply{ToUserName: m.FromUserName, FromUserName: m.ToUserName, CreateTime: time.Now().Unix(), MsgType: "text", Content: text}).Marshal()
	if c != nil {
		sealed, err := wxmsg.SealReply(c, b.token, q.Get("timestamp"), q.Get("nonce"), reply)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		reply, _ = sealed.Marshal()
	}
	_, _ = w.Write(reply)
}

func (b *echoBot) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.pushes)
}

type emu struct {
	t    *testing.T
	info map[string]any
	base string
}

func startEmulator(t *testing.T, args ...string) *emu {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	var stderr bytes.Buffer
	go func() {
		done <- Emulate(ctx, args, Env{Stdout: pw, Stderr: &stderr, Getenv: func(string) string { return "" }})
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("emulate: %v", err)
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("emulate printed no JSON: %v (stderr %s)", err, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	e := &emu{t: t}
	if err := json.Unmarshal([]byte(line), &e.info); err != nil {
		t.Fatalf("emulate JSON %q: %v", line, err)
	}
	e.base = e.info["base_url"].(string)
	return e
}

func (e *emu) do(method, path string, body any) map[string]any {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.base+path, rd)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	if res.StatusCode >= 300 {
		e.t.Fatalf("%s %s: HTTP %d %v", method, path, res.StatusCode, out)
	}
	return out
}

// texts returns the text of each message of an action's result.
func texts(res map[string]any) []string {
	var out []string
	ms, _ := res["messages"].([]any)
	for _, m := range ms {
		body, _ := m.(map[string]any)["body"].(map[string]any)
		s, _ := body["text"].(string)
		out = append(out, s)
	}
	return out
}

func (e *emu) token() (string, float64) {
	e.t.Helper()
	out := e.do("GET", "/cgi-bin/token?grant_type=client_credential&appid="+url.QueryEscape(e.info["appid"].(string))+
		"&secret="+url.QueryEscape(e.info["secret"].(string)), nil)
	tok, _ := out["access_token"].(string)
	code, _ := out["errcode"].(float64)
	return tok, code
}

func (e *emu) api(path, token string) float64 {
	e.t.Helper()
	out := e.do("GET", path+"?access_token="+url.QueryEscape(token), nil)
	code, _ := out["errcode"].(float64)
	return code
}

func TestEmulateStartsWithTheGivenCredentials(t *testing.T) {
	e := startEmulator(t, "--appid", "wx0123456789abcdef", "--secret", "s3cr3t", "--type", "subscription")
	if e.info["appid"] != "wx0123456789abcdef" || e.info["secret"] != "s3cr3t" || e.info["type"] != "subscription" {
		t.Fatalf("info = %v", e.info)
	}
	if k, _ := e.info["encoding_aes_key"].(string); wxcrypt.ValidateEncodingAESKey(k) != nil {
		t.Fatalf("generated EncodingAESKey %q is not valid", k)
	}
	tok, code := e.token()
	if tok == "" || code != 0 {
		t.Fatalf("token: %q %v", tok, code)
	}
	if c := e.api("/cgi-bin/get_api_domain_ip", tok); c != 0 {
		t.Fatalf("API call with a fresh token: errcode %v", c)
	}
	// Time control: past the token's 7200 s it has expired.
	e.do("POST", "/_emulator/clock/advance", map[string]any{"seconds": 7201})
	if c := e.api("/cgi-bin/get_api_domain_ip", tok); c != 42001 {
		t.Fatalf("after 7201 s: errcode %v, want 42001", c)
	}
	// The 48-hour customer-service window: open after the follower wrote,
	// closed (45015) once the clock has moved past it.
	res := e.do("POST", "/_emulator/followers", map[string]any{"name": "bob", "follow": true})
	openid := res["follower"].(map[string]any)["openid"].(string)
	e.do("POST", "/_emulator/followers/bob/send", map[string]any{"text": "anyone there?"})
	tok, _ = e.token()
	custom := func() float64 {
		out := e.do("POST", "/cgi-bin/message/custom/send?access_token="+url.QueryEscape(tok),
			map[string]any{"touser": openid, "msgtype": "text", "text": map[string]string{"content": "yes"}})
		code, _ := out["errcode"].(float64)
		return code
	}
	if c := custom(); c != 0 {
		t.Fatalf("custom message inside the window: errcode %v", c)
	}
	e.do("POST", "/_emulator/clock/advance", map[string]any{"seconds": 48*3600 + 1})
	tok, _ = e.token()
	if c := custom(); c != 45015 {
		t.Fatalf("custom message after 48 h: errcode %v, want 45015", c)
	}

	// Faults on the developer API.
	tok, _ = e.token()
	e.do("POST", "/_emulator/faults/invalidate-token", nil)
	if c := e.api("/cgi-bin/get_api_domain_ip", tok); c != 40001 {
		t.Fatalf("invalidated token: errcode %v, want 40001", c)
	}
	e.do("POST", "/_emulator/faults/exhaust-quota", map[string]any{"path": "/cgi-bin/token"})
	if _, code := e.token(); code != 45009 {
		t.Fatalf("exhausted quota: errcode %v, want 45009", code)
	}
	e.do("POST", "/_emulator/clock/advance", map[string]any{"seconds": 86400}) // a new quota day
	tok, _ = e.token()
	e.do("POST", "/_emulator/faults", map[string]any{"api_error_rate": 1, "seed": 7})
	if c := e.api("/cgi-bin/get_api_domain_ip", tok); c != -1 {
		t.Fatalf("error rate 1: errcode %v, want -1", c)
	}
	e.do("POST", "/_emulator/faults", map[string]any{})
	if c := e.api("/cgi-bin/get_api_domain_ip", tok); c != 0 {
		t.Fatalf("faults cleared: errcode %v", c)
	}
}

func TestEmulateFollowerActionsInEveryPushMode(t *testing.T) {
	for _, mode := range []string{"plaintext", "compatible", "safe"} {
		t.Run(mode, func(t *testing.T) {
			bot := &echoBot{token: "bottoken", aesKey: wxcrypt.GenerateEncodingAESKey(), appID: "wxfeedfacecafe0001"}
			srv := httptest.NewServer(bot)
			defer srv.Close()
			e := startEmulator(t, "--appid", bot.appID, "--token", bot.token, "--aes-key", bot.aesKey, "--push-url", srv.URL+"/wx", "--mode", mode)

			want := func(res map[string]any, text string) {
				t.Helper()
				got := texts(res)
				if len(got) != 1 || got[0] != text {
					t.Fatalf("follower sees %q, want [%q]", got, text)
				}
			}
			res := e.do("POST", "/_emulator/followers", map[string]any{"name": "ada", "follow": true, "scene": "42"})
			want(res, "event/subscribe: qrscene_42")
			openid := res["follower"].(map[string]any)["openid"].(string)
			p := "/_emulator/followers/" + openid + "/"
			want(e.do("POST", p+"send", map[string]any{"text": "hello"}), "text: hello")
			want(e.do("POST", p+"send", map[string]any{"kind": "location", "lat": 31.2, "lng": 121.5, "label": "Bund"}), "location: Bund")
			want(e.do("POST", p+"send", map[string]any{"kind": "link", "title": "T", "url": "https://example.com/a"}), "link: https://example.com/a")
			want(e.do("POST", p+"send", map[string]any{"kind": "image", "data": pngBytes}), "image: ")
			want(e.do("POST", p+"send", map[string]any{"kind": "voice", "data": []byte("#!AMR\n fake voice"), "content_type": "audio/amr"}), "voice: ")
			want(e.do("POST", p+"send", map[string]any{"kind": "video", "data": []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), "content_type": "video/mp4"}), "video: ")
			want(e.do("POST", p+"click", map[string]any{"key": "V1001"}), "event/CLICK: V1001")
			want(e.do("POST", p+"view", map[string]any{"url": "https://example.com/m"}), "event/VIEW: https://example.com/m")
			want(e.do("POST", p+"scan", map[string]any{"scene": "7"}), "event/SCAN: 7")

			// Faults: the first 3 attempts fail, so the follower sees the notice.
			e.do("POST", "/_emulator/faults", map[string]any{"fail_pushes": 3})
			n := bot.count()
			want(e.do("POST", p+"send", map[string]any{"text": "lost"}), "This account cannot serve you right now. Please try again later.")
			if bot.count() != n {
				t.Fatalf("failed attempts reached the bot")
			}
			// Two failures, then the third attempt gets through.
			e.do("POST", "/_emulator/faults", map[string]any{"fail_pushes": 2})
			want(e.do("POST", p+"send", map[string]any{"text": "retried"}), "text: retried")
			// A duplicated push reaches the bot twice; the follower sees one reply.
			e.do("POST", "/_emulator/faults", map[string]any{"duplicate_pushes": 1})
			n = bot.count()
			want(e.do("POST", p+"send", map[string]any{"text": "twice"}), "text: twice")
			if got := bot.count() - n; got != 2 {
				t.Fatalf("duplicated push reached the bot %d times", got)
			}
			// Timeouts on every attempt: the bot sees them all, the follower the notice.
			e.do("POST", "/_emulator/faults", map[string]any{"timeout_pushes": 3})
			n = bot.count()
			want(e.do("POST", p+"send", map[string]any{"text": "slow"}), "This account cannot serve you right now. Please try again later.")
			if got := bot.count() - n; got != 3 {
				t.Fatalf("timed-out pushes reached the bot %d times, want 3", got)
			}

			res = e.do("POST", p+"unfollow", nil)
			if len(texts(res)) != 0 {
				t.Fatalf("unfollow shows %q", texts(res))
			}
			chat := e.do("GET", p+"chat", nil)
			if got := len(texts(chat)); got < 20 {
				t.Fatalf("chat has %d messages", got)
			}
			if !strings.Contains(fmt.Sprint(texts(chat)), "text: hello") {
				t.Fatalf("chat lacks the reply: %q", texts(chat))
			}
		})
	}
}

// pngBytes is a 1×1 PNG.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

// --in-memory keeps the database, media and secret in memory: the
// emulator works (media included) and writes nothing to disk.
func TestEmulateInMemory(t *testing.T) {
	if err := Emulate(context.Background(), []string{"--in-memory", "--data", t.TempDir()}, Env{Stdout: io.Discard, Stderr: io.Discard}); err == nil {
		t.Fatal("--in-memory with --data was accepted")
	}
	bot := &echoBot{token: "bottoken", aesKey: wxcrypt.GenerateEncodingAESKey(), appID: "wxfeedfacecafe0002"}
	srv := httptest.NewServer(bot)
	defer srv.Close()
	e := startEmulator(t, "--in-memory", "--appid", bot.appID, "--token", bot.token, "--aes-key", bot.aesKey, "--push-url", srv.URL, "--mode", "safe")
	if e.info["in_memory"] != true || e.info["data_dir"] != "" {
		t.Fatalf("info = %v", e.info)
	}
	res := e.do("POST", "/_emulator/followers", map[string]any{"name": "ada", "follow": true})
	if got := texts(res); len(got) != 1 || got[0] != "event/subscribe: " {
		t.Fatalf("follow: %q", got)
	}
	if got := texts(e.do("POST", "/_emulator/followers/ada/send", map[string]any{"kind": "image", "data": pngBytes})); len(got) != 1 || got[0] != "image: " {
		t.Fatalf("image: %q", got)
	}
	chat := e.do("GET", "/_emulator/followers/ada/chat", nil)
	if n := len(texts(chat)); n != 3 {
		t.Fatalf("chat has %d messages, want 3 (the welcome, the image, the answer)", n)
	}
	if _, err := os.Stat(filepath.Join(os.TempDir(), "herald-emulate-in-memory")); !os.IsNotExist(err) {
		t.Fatalf("in-memory mode touched the disk: %v", err)
	}
}

// BenchmarkEmulateStart starts `herald emulate --in-memory` (migrations,
// the application, the seeded account, the listener) until it prints its
// ready line, then stops it; cpu-ns/op is this process's CPU time per
// start, which the machine's load moves far less than wall time.
func BenchmarkEmulateStart(b *testing.B) {
	var ru syscall.Rusage
	cpu := func() time.Duration {
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	b.ReportAllocs()
	c0 := cpu()
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			done <- Emulate(ctx, []string{"--in-memory"}, Env{Stdout: pw, Stderr: io.Discard, Getenv: func(string) string { return "" }})
			pw.Close()
		}()
		if _, err := bufio.NewReader(pr).ReadString('\n'); err != nil {
			b.Fatal(err)
		}
		go func() { _, _ = io.Copy(io.Discard, pr) }()
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpu()-c0)/float64(b.N), "cpu-ns/op")
}

// The emulator's messages for people (flag help, errors) follow the
// environment's locale; without a Chinese one they are English.
func TestEmulateMessagesFollowTheLocale(t *testing.T) {
	run := func(env map[string]string, args ...string) (int, string) {
		var stderr bytes.Buffer
		code := EmulateMain(args, Env{Stdout: io.Discard, Stderr: &stderr, Getenv: func(k string) string { return env[k] }})
		return code, stderr.String()
	}
	for _, c := range []struct {
		env  map[string]string
		args []string
		code int
		want []string
	}{
		{map[string]string{"LANG": "zh_CN.UTF-8"}, []string{"--in-memory", "--data", t.TempDir()}, 1,
			[]string{"herald-emulator: --in-memory 与 --data 不能同时使用\n"}},
		{map[string]string{"LANG": "en_US.UTF-8"}, []string{"--in-memory", "--data", t.TempDir()}, 1,
			[]string{"herald-emulator: --in-memory and --data exclude each other\n"}},
		{nil, []string{"--type", "personal"}, 1, []string{`herald-emulator: --type "personal": use service or subscription`}},
		{map[string]string{"LANG": "zh_CN.UTF-8", "LC_ALL": "zh_HK.UTF-8"}, []string{"--type", "personal"}, 1,
			[]string{`herald-emulator: --type "personal"：請使用 service（服務號）或 subscription（訂閱號）`}},
		{map[string]string{"LC_MESSAGES": "zh_TW.UTF-8"}, []string{"-h"}, 0,
			[]string{"用法：herald emulate [引數]", "監聽地址（埠為 0：任選一個空閒埠）", "  -in-memory\n"}},
		{map[string]string{"LANG": "C"}, []string{"-h"}, 0,
			[]string{"Usage: herald emulate [flags]", "address to listen on (port 0: any free port)"}},
		// The push settings' checks, shared with the console, name their flag.
		{map[string]string{"LANG": "zh_CN.UTF-8"}, []string{"--in-memory", "--token", "a!", "--mode", "loud"}, 1,
			[]string{"herald-emulator: 创建账号: ", "--token: Token 为 3 到 32 位字母和数字。", "--mode: 请选择明文模式、兼容模式或安全模式。"}},
	} {
		code, stderr := run(c.env, c.args...)
		if code != c.code {
			t.Errorf("%v %v: exit code %d, want %d (%s)", c.env, c.args, code, c.code, stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%v %v: standard error lacks %q:\n%s", c.env, c.args, w, stderr)
			}
		}
	}
}

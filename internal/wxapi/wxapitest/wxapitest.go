// Package wxapitest holds what the developer API's tests share: a
// developer's server that records what Herald pushes to it, and the JSON
// answer of an API call.
package wxapitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldoa/herald/heraldtest"
	"github.com/heraldoa/herald/internal/wx/wxcrypt"
	"github.com/heraldoa/herald/internal/wx/wxmsg"
)

// Result is the JSON answer of an API call.
type Result map[string]any

// Code is the answer's errcode (0 when absent).
func (r Result) Code() int { return int(r.Num("errcode")) }

// Str is a string field ("" when absent or not a string).
func (r Result) Str(k string) string { s, _ := r[k].(string); return s }

// Num is a number field, decoded as float64 or json.Number (0 when absent).
func (r Result) Num(k string) int64 {
	switch v := r[k].(type) {
	case float64:
		return int64(v)
	case json.Number:
		n, _ := v.Int64()
		return n
	}
	return 0
}

// List is an array field.
func (r Result) List(k string) []any { v, _ := r[k].([]any); return v }

// Obj is an object field.
func (r Result) Obj(k string) Result { v, _ := r[k].(map[string]any); return v }

// WantCode fails the test unless r carries errcode code, with WeChat's
// rid suffix on an error's errmsg.
func WantCode(t testing.TB, what string, r Result, code int) {
	t.Helper()
	if r.Code() != code {
		t.Fatalf("%s: errcode %d (%v), want %d", what, r.Code(), r["errmsg"], code)
	}
	if code != 0 && !strings.Contains(r.Str("errmsg"), " rid: ") {
		t.Fatalf("%s: errmsg %q lacks the rid", what, r.Str("errmsg"))
	}
}

// Body is a request body: a string as it is, anything else as its JSON.
func Body(v any) io.Reader {
	if s, ok := v.(string); ok {
		return strings.NewReader(s)
	}
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}

// Fetch sends req and returns the response with its body, read and closed.
func Fetch(t testing.TB, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// Decode reads a JSON answer keeping 64-bit numbers exact (json.Number).
func Decode(b []byte) (Result, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out Result
	return out, d.Decode(&out)
}

// DevServer is a developer's server: it answers the URL check, checks the
// signature of every push, opens safe-mode pushes and records every message.
type DevServer struct {
	URL   string
	Token string
	// AESKey is the EncodingAESKey of safe mode, "" in plaintext mode.
	AESKey string

	t     *testing.T
	appID string
	mu    sync.Mutex
	got   []*wxmsg.Message
	plain []string
	next  chan *wxmsg.Message
}

// NewDevServer starts a developer's server for the account of appID with
// token; aesKey "" takes pushes in plaintext mode, otherwise in safe mode.
// It stops when the test ends.
func NewDevServer(t *testing.T, appID, token, aesKey string) *DevServer {
	d := &DevServer{Token: token, AESKey: aesKey, t: t, appID: appID, next: make(chan *wxmsg.Message, 256)}
	srv := httptest.NewServer(http.HandlerFunc(d.serve))
	t.Cleanup(srv.Close)
	d.URL = srv.URL
	return d
}

// Mode is the push mode to register the server with: "plaintext" or "safe".
func (d *DevServer) Mode() string {
	if d.AESKey == "" {
		return "plaintext"
	}
	return "safe"
}

func (d *DevServer) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !wxcrypt.CheckSignature(d.Token, q.Get("timestamp"), q.Get("nonce"), q.Get("signature")) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if r.Method == http.MethodGet {
		io.WriteString(w, q.Get("echostr"))
		return
	}
	body, _ := io.ReadAll(r.Body)
	plain := body
	if d.AESKey != "" {
		var err error
		if plain, err = d.open(body, q.Get("encrypt_type"), q.Get("timestamp"), q.Get("nonce"), q.Get("msg_signature")); err != nil {
			d.t.Errorf("safe-mode push: %v: %s", err, body)
			return
		}
	}
	m, err := wxmsg.ParseMessage(plain)
	if err != nil {
		d.t.Errorf("parse push: %v", err)
		return
	}
	d.mu.Lock()
	d.got = append(d.got, m)
	d.plain = append(d.plain, string(plain))
	d.mu.Unlock()
	select {
	case d.next <- m:
	default:
	}
	io.WriteString(w, "success")
}

type pushError string

func (e pushError) Error() string { return string(e) }

func (d *DevServer) open(body []byte, encryptType, timestamp, nonce, signature string) ([]byte, error) {
	if encryptType != "aes" {
		return nil, pushError("no encrypt_type=aes")
	}
	c, err := wxcrypt.NewCipher(d.AESKey, d.appID)
	if err != nil {
		return nil, err
	}
	env, err := wxmsg.ParseEncryptedPush(body)
	if err != nil {
		return nil, err
	}
	return env.Open(c, d.Token, timestamp, nonce, signature)
}

// Messages returns what was pushed so far, parsed and as the plain XML.
func (d *DevServer) Messages() ([]*wxmsg.Message, []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]*wxmsg.Message(nil), d.got...), append([]string(nil), d.plain...)
}

// Events returns the pushed events named event, in the order they came.
func (d *DevServer) Events(event string) []*wxmsg.Message {
	got, _ := d.Messages()
	var out []*wxmsg.Message
	for _, m := range got {
		if m.Event == event {
			out = append(out, m)
		}
	}
	return out
}

// Next waits up to 10 seconds for the next pushed message that match
// accepts (nil accepts every message), passing over the others.
func (d *DevServer) Next(t *testing.T, match func(*wxmsg.Message) bool) *wxmsg.Message {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case m := <-d.next:
			if match == nil || match(m) {
				return m
			}
		case <-deadline:
			t.Fatal("no awaited push reached the developer's server")
			return nil
		}
	}
}

// Event accepts a message that is one of the events named.
func Event(names ...string) func(*wxmsg.Message) bool {
	return func(m *wxmsg.Message) bool {
		for _, n := range names {
			if m.Event == n {
				return true
			}
		}
		return false
	}
}

// Serve starts a developer's server and makes it account a's server on h.
func Serve(t *testing.T, h *heraldtest.Herald, a *heraldtest.Account, token, aesKey string) *DevServer {
	t.Helper()
	d := NewDevServer(t, a.AppID, token, aesKey)
	if err := h.SetServer(a, d.URL, token, aesKey, d.Mode()); err != nil {
		t.Fatal(err)
	}
	return d
}

// Token gets an access token for account a from the API at base.
func Token(t *testing.T, base string, a *heraldtest.Account) string {
	t.Helper()
	q := url.Values{"grant_type": {"client_credential"}, "appid": {a.AppID}, "secret": {a.AppSecret}}
	r := Call(t, base, http.MethodGet, "/cgi-bin/token", q, nil)
	if r.Str("access_token") == "" {
		t.Fatalf("token: %v", r)
	}
	return r.Str("access_token")
}

// Call calls the API at base as an SDK does: q in the query (with the
// access token, if any), body as JSON (nil: none), the answer decoded.
func Call(t *testing.T, base, method, path string, q url.Values, body any) Result {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path+"?"+q.Encode(), rd)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out Result
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

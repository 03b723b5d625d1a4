// Package wxerr is the error envelope of the WeChat-compatible developer API:
// the errcode table with canonical English errmsg texts, the Error type that
// carries one, request ids ("rid") and the writer of the JSON body
// {"errcode":N,"errmsg":"... rid: xxxxxxxx-xxxxxxxx-xxxxxxxx"} that WeChat
// returns, always with HTTP status 200.
package wxerr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// Error is an API error: an errcode and its errmsg (without the rid, which
// Write appends per response).
type Error struct {
	Code int
	Msg  string
}

// Error returns "errcode N: msg".
func (e *Error) Error() string {
	return "errcode " + strconv.Itoa(e.Code) + ": " + e.Msg
}

// Is reports whether target is an *Error with the same Code, so that
// errors.Is(err, wxerr.New(42001)) matches whatever the message says.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Message returns the canonical errmsg of code, or "unknown error" for a
// code missing from the table.
func Message(code int) string {
	if m, ok := messages[code]; ok {
		return m
	}
	return "unknown error"
}

// Known reports whether code is in the errcode table.
func Known(code int) bool {
	_, ok := messages[code]
	return ok
}

// New returns the error of code with its canonical message.
func New(code int) *Error {
	return &Error{Code: code, Msg: Message(code)}
}

// Newf returns the error of code with extra detail appended to the canonical
// message after a space, the way WeChat names the offending field:
// Newf(47003, "data.phrase16.value invalid") gives
// "argument invalid! data.phrase16.value invalid". An empty extra gives the
// same error as New.
func Newf(code int, extra string) *Error {
	e := New(code)
	if extra != "" {
		e.Msg += " " + extra
	}
	return e
}

// InvalidIP returns the 40164 error for a caller outside the IP allowlist,
// in WeChat's form "invalid ip 203.0.113.9 ipv6 ::ffff:203.0.113.9, not in
// whitelist". An IPv4 address is shown again in its IPv4-mapped IPv6 form;
// an IPv6 address is shown twice as is.
func InvalidIP(ip netip.Addr) *Error {
	ip = ip.Unmap()
	v6 := ip
	if ip.Is4() {
		v6 = netip.AddrFrom16(ip.As16())
	}
	return &Error{Code: CodeInvalidIP, Msg: fmt.Sprintf("invalid ip %s ipv6 %s, not in whitelist", ip, v6)}
}

// RID returns a new request id of the form xxxxxxxx-xxxxxxxx-xxxxxxxx (three
// groups of 8 lower-case hex digits). As in WeChat's rids, the first group
// is the current unix time, which keeps them roughly ordered; the other two
// are random.
func RID() string {
	return fmt.Sprintf("%08x-%08x-%08x", uint32(time.Now().Unix()), rand.Uint32(), rand.Uint32())
}

// ContentType is the Content-Type of WeChat's JSON responses, which use the
// nonstandard "encoding" parameter.
const ContentType = "application/json; encoding=utf-8"

type body struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// Write writes err as WeChat does: HTTP 200 and
// {"errcode":N,"errmsg":"<msg> rid: <rid>"}. err is an *Error anywhere in
// its chain; any other error is reported as -1 "system error" without
// revealing its text. A nil err, or errcode 0, writes OK instead.
func Write(w http.ResponseWriter, err error) {
	if err == nil {
		OK(w)
		return
	}
	e := New(CodeSystemError)
	var we *Error
	if errors.As(err, &we) {
		e = we
	}
	if e.Code == CodeOK {
		OK(w)
		return
	}
	writeJSON(w, body{ErrCode: e.Code, ErrMsg: e.Msg + " rid: " + RID()})
}

// WriteRID writes err as Write does, with the given rid, and returns the
// body written (for openapi/rid/get).
func WriteRID(w http.ResponseWriter, err error, rid string) []byte {
	e := New(CodeSystemError)
	var we *Error
	if errors.As(err, &we) {
		e = we
	}
	if e.Code == CodeOK {
		OK(w)
		return nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body{ErrCode: e.Code, ErrMsg: e.Msg + " rid: " + rid})
	out := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
	return out
}

// OK writes {"errcode":0,"errmsg":"ok"} with HTTP 200.
func OK(w http.ResponseWriter) {
	writeJSON(w, body{ErrCode: CodeOK, ErrMsg: "ok"})
}

// JSON writes a successful payload v (HTTP 200) the way WeChat does: no
// HTML escaping, non-ASCII text as UTF-8, Content-Type ContentType.
func JSON(w http.ResponseWriter, v any) { writeJSON(w, v) }

// writeJSON writes v without escaping <, > and & and with non-ASCII text as
// UTF-8, as WeChat does (it rejects \uXXXX escapes in requests too).
func writeJSON(w http.ResponseWriter, v any) {
	e := encoders.Get().(*jsonEncoder)
	defer e.put()
	if err := e.enc.Encode(v); err != nil {
		e.buf.Reset()
		_ = e.enc.Encode(body{ErrCode: CodeSystemError, ErrMsg: "system error rid: " + RID()})
	}
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(bytes.TrimSuffix(e.buf.Bytes(), []byte("\n")))
}

// jsonEncoder is a buffer and an encoder writing to it, reused across
// responses (every API answer is encoded through one).
type jsonEncoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var encoders = sync.Pool{New: func() any {
	e := &jsonEncoder{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}}

// put returns e to the pool, unless an unusually large answer grew its
// buffer (a pooled buffer keeps its size).
func (e *jsonEncoder) put() {
	if e.buf.Cap() > 64<<10 {
		return
	}
	e.buf.Reset()
	encoders.Put(e)
}

// JSONBytes writes a payload already encoded as JSON (by jsontext.AppendString and
// strconv, for the hottest answers) the way JSON writes one.
func JSONBytes(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

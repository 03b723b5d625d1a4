package wxerr

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCanonicalMessages(t *testing.T) {
	tests := map[int]string{
		40001: "invalid credential, access_token is invalid or not latest",
		41001: "access_token missing",
		42001: "access_token expired",
		45009: "reach max api daily quota limit",
		48001: "api unauthorized",
		-1:    "system error",
		0:     "ok",
		43001: "require GET method",
		43002: "require POST method",
		45011: "api minute-quota reach limit  mustslower  retry next minute",
	}
	for code, want := range tests {
		if got := New(code).Msg; got != want {
			t.Errorf("New(%d).Msg = %q, want %q", code, got, want)
		}
	}
	if got := Message(12345); got != "unknown error" || Known(12345) {
		t.Errorf("Message(12345) = %q, Known = %v", got, Known(12345))
	}
}

func TestNamedCodesAreInTheTable(t *testing.T) {
	for _, code := range []int{
		CodeSystemError, CodeOK, CodeInvalidCredential, CodeInvalidGrantType, CodeInvalidOpenID, CodeInvalidMediaID,
		CodeInvalidAppID, CodeInvalidAccessToken, CodeInvalidCode, CodeInvalidParameter, CodeInvalidTemplateID,
		CodeInvalidAppSecret, CodeCodeBeenUsed, CodeInvalidIP, CodeAccessTokenMissing, CodeAppIDMissing,
		CodeAppSecretMissing, CodeAccessTokenExpired, CodeCodeExpired, CodeRequireGET, CodeRequirePOST,
		CodeRequireSubscribe, CodeEmptyPostData, CodeDailyQuota, CodeMinuteQuota, CodeOutOfResponseWindow,
		CodeNoMassSendQuota, CodeOutOfResponseCount, CodeDataFormatError, CodeArgumentInvalid,
		CodeAPIUnauthorized, CodeClearQuotaLimit,
	} {
		if !Known(code) {
			t.Errorf("code %d has a name but no message", code)
		}
	}
	for code, msg := range messages {
		if msg == "" || strings.Contains(msg, "rid:") {
			t.Errorf("code %d has message %q", code, msg)
		}
	}
}

func TestNewfAndError(t *testing.T) {
	e := Newf(47003, "data.phrase16.value invalid")
	if e.Msg != "argument invalid! data.phrase16.value invalid" || e.Code != 47003 {
		t.Errorf("Newf = %+v", e)
	}
	if Newf(40001, "").Msg != New(40001).Msg {
		t.Error("Newf with no extra differs from New")
	}
	if got := New(42001).Error(); got != "errcode 42001: access_token expired" {
		t.Errorf("Error() = %q", got)
	}
	wrapped := fmt.Errorf("token check: %w", Newf(42001, "hint"))
	if !errors.Is(wrapped, New(42001)) {
		t.Error("errors.Is does not match an *Error by code")
	}
	if errors.Is(wrapped, New(40001)) {
		t.Error("errors.Is matches another code")
	}
}

func TestInvalidIP(t *testing.T) {
	tests := map[string]string{
		"203.0.113.9":        "invalid ip 203.0.113.9 ipv6 ::ffff:203.0.113.9, not in whitelist",
		"::ffff:203.0.113.9": "invalid ip 203.0.113.9 ipv6 ::ffff:203.0.113.9, not in whitelist",
		"2001:db8::1":        "invalid ip 2001:db8::1 ipv6 2001:db8::1, not in whitelist",
	}
	for in, want := range tests {
		e := InvalidIP(netip.MustParseAddr(in))
		if e.Code != 40164 || e.Msg != want {
			t.Errorf("InvalidIP(%s) = %d %q, want 40164 %q", in, e.Code, e.Msg, want)
		}
	}
}

var ridRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$`)

func TestRID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		before := time.Now().Unix()
		r := RID()
		after := time.Now().Unix()
		if !ridRE.MatchString(r) {
			t.Fatalf("RID() = %q, want three groups of 8 hex digits", r)
		}
		ts, _ := strconv.ParseUint(r[:8], 16, 32)
		if int64(ts) < before || int64(ts) > after {
			t.Fatalf("RID() = %q: first group %d is not the current time %d", r, ts, before)
		}
		if seen[r] {
			t.Fatalf("RID() repeated %q", r)
		}
		seen[r] = true
	}
}

// decode checks the status and Content-Type and returns the body's fields.
func decode(t *testing.T, rec *httptest.ResponseRecorder) (int, string) {
	t.Helper()
	if rec.Code != 200 {
		t.Errorf("status = %d, want 200", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; encoding=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	var b struct {
		ErrCode *int    `json:"errcode"`
		ErrMsg  *string `json:"errmsg"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil || b.ErrCode == nil || b.ErrMsg == nil {
		t.Fatalf("body %q: %v", rec.Body.String(), err)
	}
	return *b.ErrCode, *b.ErrMsg
}

func TestWrite(t *testing.T) {
	rec := httptest.NewRecorder()
	Write(rec, New(42001))
	body := rec.Body.String()
	if !regexp.MustCompile(`^\{"errcode":42001,"errmsg":"access_token expired rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}"\}$`).MatchString(body) {
		t.Errorf("body = %s", body)
	}
	decode(t, rec)
	// EasyWeChat retries only when the body has both of these substrings.
	if !strings.Contains(body, "42001") || !strings.Contains(body, "access_token expired") {
		t.Errorf("body %s lacks what SDK retry logic matches", body)
	}

	rec = httptest.NewRecorder()
	Write(rec, fmt.Errorf("loading token: %w", New(40001)))
	if code, msg := decode(t, rec); code != 40001 || !strings.HasPrefix(msg, "invalid credential, access_token is invalid or not latest rid: ") {
		t.Errorf("wrapped error written as %d %q", code, msg)
	}

	rec = httptest.NewRecorder()
	Write(rec, errors.New("database is locked: secret detail"))
	code, msg := decode(t, rec)
	if code != -1 || !strings.HasPrefix(msg, "system error rid: ") || strings.Contains(msg, "secret") {
		t.Errorf("plain error written as %d %q", code, msg)
	}
}

func TestWriteNoEscaping(t *testing.T) {
	rec := httptest.NewRecorder()
	Write(rec, Newf(47003, "data.<key>&\"名字\".value invalid"))
	body := rec.Body.String()
	if !strings.Contains(body, `data.<key>&\"名字\".value invalid rid: `) {
		t.Errorf("body escapes HTML or non-ASCII: %s", body)
	}
	if strings.Contains(body, `\u`) {
		t.Errorf("body has \\u escapes: %s", body)
	}
	if code, msg := decode(t, rec); code != 47003 || !strings.HasPrefix(msg, `argument invalid! data.<key>&"名字".value invalid`) {
		t.Errorf("decoded %d %q", code, msg)
	}
}

func TestOK(t *testing.T) {
	for _, write := range []func(*httptest.ResponseRecorder){
		func(r *httptest.ResponseRecorder) { OK(r) },
		func(r *httptest.ResponseRecorder) { Write(r, nil) },
		func(r *httptest.ResponseRecorder) { Write(r, New(0)) },
	} {
		rec := httptest.NewRecorder()
		write(rec)
		if body := rec.Body.String(); body != `{"errcode":0,"errmsg":"ok"}` {
			t.Errorf("body = %s", body)
		}
		decode(t, rec)
	}
}

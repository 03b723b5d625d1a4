package app

import (
	"net/http/httptest"
	"testing"
)

func TestAPICallOutcomeFromTheAnswer(t *testing.T) {
	for _, c := range []struct {
		status int
		body   string
		failed bool
	}{
		{200, `{"access_token":"abc","expires_in":7200}`, false},
		{200, `{"errcode":0,"errmsg":"ok"}`, false},
		{200, `{"errcode": 40001, "errmsg":"invalid credential"}`, true},
		{200, `{"errcode":-1,"errmsg":"system error"}`, true},
		{500, `oops`, true},
	} {
		sw := &sniffWriter{ResponseWriter: httptest.NewRecorder(), status: 200}
		if c.status != 200 {
			sw.WriteHeader(c.status)
		}
		// Written in two pieces, as an encoder may.
		_, _ = sw.Write([]byte(c.body[:len(c.body)/2]))
		_, _ = sw.Write([]byte(c.body[len(c.body)/2:]))
		if sw.failed() != c.failed {
			t.Errorf("%d %s: failed = %v, want %v", c.status, c.body, sw.failed(), c.failed)
		}
	}
}

package app

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/analytics"
)

// observeAPI wraps the WeChat-compatible API so that every call of an
// account (identified by its access_token, or its appid when it asks for a
// token) is captured as an api_call event with its path, time in
// milliseconds and outcome (an HTTP error or a non-zero errcode). The
// account is looked up after the response is written, from the token
// cache the API has just filled, so the caller waits for nothing extra.
func (a *App) observeAPI(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &sniffWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		elapsed := time.Since(start)
		accountID := a.apiAccount(r)
		if accountID == 0 {
			return
		}
		a.Analytics.Record(analytics.Event{AccountID: accountID, Kind: analytics.KindAPICall,
			Surface: strings.TrimPrefix(r.URL.Path, "/"), Value: elapsed.Milliseconds(), Failed: sw.failed()})
	})
}

// apiAccount names the account an API call was made for (0: unknown).
func (a *App) apiAccount(r *http.Request) int64 {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 2*time.Second)
	defer cancel()
	q := r.URL.Query()
	if tok := q.Get("access_token"); tok != "" && a.Tokens != nil {
		if t, err := a.Tokens.Check(ctx, tok); err == nil && t != nil {
			return t.AccountID
		}
		return 0
	}
	if appid := q.Get("appid"); appid != "" && len(appid) <= 64 {
		if acct, err := a.Accounts.ByAppID(ctx, appid); err == nil {
			return acct.ID
		}
	}
	return 0
}

// sniffWriter keeps the status and the start of the body, enough to find
// the errcode of a WeChat-style answer.
type sniffWriter struct {
	http.ResponseWriter
	status int
	head   []byte
}

func (s *sniffWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *sniffWriter) Write(b []byte) (int, error) {
	if n := 96 - len(s.head); n > 0 {
		s.head = append(s.head, b[:min(n, len(b))]...)
	}
	return s.ResponseWriter.Write(b)
}

func (s *sniffWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// failed reports an HTTP error, or an answer {"errcode": N, ...} with N ≠ 0.
func (s *sniffWriter) failed() bool {
	if s.status >= 400 {
		return true
	}
	i := bytes.Index(s.head, []byte(`"errcode"`))
	if i < 0 {
		return false
	}
	rest := bytes.TrimLeft(s.head[i+len(`"errcode"`):], " \t\r\n:")
	end := 0
	for end < len(rest) && (rest[end] == '-' || (rest[end] >= '0' && rest[end] <= '9')) {
		end++
	}
	code, err := strconv.Atoi(string(rest[:end]))
	return err == nil && code != 0
}

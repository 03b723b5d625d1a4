package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/heraldoa/herald/internal/apitoken"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/wx/wxpath"
)

// Faults are the faults armed on one account. Push faults count down as
// they fire (one per push attempt); APIErrorRate stays until changed.
type Faults struct {
	FailPushes      int     `json:"fail_pushes"`      // the next N push attempts get HTTP 500 without reaching the server
	DuplicatePushes int     `json:"duplicate_pushes"` // the next N pushes are sent twice (the second answer counts)
	TimeoutPushes   int     `json:"timeout_pushes"`   // the next N push attempts reach the server but count as timed out at once
	DelayPushes     int     `json:"delay_pushes"`     // the next N push attempts reach the server, whose answer is held DelayMS
	DelayMS         int64   `json:"delay_ms"`         // how long a delayed answer is held; 0: until past the push timeout
	APIErrorRate    float64 `json:"api_error_rate"`   // share of developer-API calls answered with errcode -1
	Seed            uint64  `json:"seed"`             // seed of the error-rate draw
}

func (f *Faults) valid() bool {
	return f.APIErrorRate >= 0 && f.APIErrorRate <= 1 && f.FailPushes >= 0 && f.DuplicatePushes >= 0 &&
		f.TimeoutPushes >= 0 && f.DelayPushes >= 0 && f.DelayMS >= 0
}

// armed is an account's faults and its error-rate draw.
type armed struct {
	f   Faults
	rnd *rand.Rand
}

func newArmed(f Faults) *armed {
	return &armed{f: f, rnd: rand.New(rand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15))}
}

// Faults returns the faults armed on an account.
func (e *Emulator) Faults(accountID int64) Faults {
	e.mu.Lock()
	defer e.mu.Unlock()
	if a := e.faults[accountID]; a != nil {
		return a.f
	}
	return Faults{}
}

// SetFaults replaces the faults armed on an account; its error-rate draw
// restarts from the seed. Other accounts keep theirs.
func (e *Emulator) SetFaults(accountID int64, f Faults) {
	e.mu.Lock()
	e.faults[accountID] = newArmed(f)
	e.mu.Unlock()
}

func (e *Emulator) getFaults(w http.ResponseWriter, r *http.Request) {
	acc, err := e.accountOf(r)
	if err != nil {
		fail(w, 404, err.Error())
		return
	}
	writeJSON(w, 200, e.Faults(acc.ID))
}

func (e *Emulator) setFaults(w http.ResponseWriter, r *http.Request) {
	acc, err := e.accountOf(r)
	if err != nil {
		fail(w, 404, err.Error())
		return
	}
	var f Faults
	if err := decode(r, &f); err != nil || !f.valid() {
		fail(w, 400, "bad faults")
		return
	}
	e.SetFaults(acc.ID, f)
	writeJSON(w, 200, f)
}

// InvalidateToken ends every access token of the account at once (the
// next API call with one gets 40001).
func (e *Emulator) InvalidateToken(ctx context.Context, accountID int64) error {
	past := e.App.Clock.Now().Add(-apitoken.Grace - time.Second)
	if _, err := e.App.DB.Exec(ctx, `UPDATE api_tokens SET superseded_at = ? WHERE account_id = ? AND superseded_at = 0`,
		db.Micro(past), accountID); err != nil {
		return err
	}
	e.App.Tokens.Forget(accountID)
	return nil
}

func (e *Emulator) invalidateToken(w http.ResponseWriter, r *http.Request) {
	acc, err := e.accountOf(r)
	if err != nil {
		fail(w, 404, err.Error())
		return
	}
	if err := e.InvalidateToken(r.Context(), acc.ID); err != nil {
		fail(w, 500, err.Error())
		return
	}
	writeJSON(w, 200, map[string]bool{"ok": true})
}

// ExhaustQuota uses up today's quota of an API path (e.g. /cgi-bin/token)
// for an account: further calls get 45009 until the quota day ends or it
// is cleared.
func (e *Emulator) ExhaustQuota(accountID int64, path string) error {
	return e.App.Quotas.Exhaust(context.Background(), accountID, path)
}

func (e *Emulator) exhaustQuota(w http.ResponseWriter, r *http.Request) {
	acc, err := e.accountOf(r)
	if err != nil {
		fail(w, 404, err.Error())
		return
	}
	var in struct {
		Path string `json:"path"`
	}
	if err := decode(r, &in); err != nil {
		fail(w, 400, err.Error())
		return
	}
	if err := e.ExhaustQuota(acc.ID, in.Path); err != nil {
		fail(w, 400, err.Error())
		return
	}
	used, err := e.App.Quotas.Used(r.Context(), acc.ID, in.Path)
	if err != nil {
		fail(w, 500, err.Error())
		return
	}
	writeJSON(w, 200, map[string]any{"path": in.Path, "used": used})
}

// apiAccount tells which account a developer API call is for: the
// account of its access_token, or of its appid (query, or the JSON body
// of stable_token). 0 when the call names no known account.
func (e *Emulator) apiAccount(r *http.Request) int64 {
	q := r.URL.Query()
	if tok := q.Get("access_token"); tok != "" {
		if t, err := e.App.Tokens.Check(r.Context(), tok); err == nil {
			return t.AccountID
		}
		var id int64
		if len(tok) <= 512 && db.Get(e.App.DB.QueryRow(r.Context(), `SELECT account_id FROM api_tokens WHERE token = ?`, tok), &id) == nil {
			return id
		}
		return 0
	}
	appid := q.Get("appid")
	if appid == "" && r.Method == http.MethodPost && r.URL.Path == "/cgi-bin/stable_token" && r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		if err == nil {
			r.Body = io.NopCloser(bytes.NewReader(b))
			var x struct {
				AppID string `json:"appid"`
			}
			if json.Unmarshal(b, &x) == nil {
				appid = x.AppID
			}
		}
	}
	if appid == "" {
		return 0
	}
	if acc := e.byAppID(appid); acc != nil {
		return acc.ID
	}
	return 0
}

// apiFaults answers developer API calls with errcode -1 at the rate armed
// on the account the call is for.
func (e *Emulator) apiFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wxpath.IsAPI(r.URL.Path) && e.anyErrorRate() {
			if id := e.apiAccount(r); id != 0 {
				e.mu.Lock()
				a := e.faults[id]
				hit := a != nil && a.f.APIErrorRate > 0 && a.rnd.Float64() < a.f.APIErrorRate
				e.mu.Unlock()
				if hit {
					w.Header().Set("Content-Type", "application/json; charset=utf-8")
					_, _ = w.Write([]byte(`{"errcode":-1,"errmsg":"system error"}`))
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (e *Emulator) anyErrorRate() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, a := range e.faults {
		if a.f.APIErrorRate > 0 {
			return true
		}
	}
	return false
}

// pushTransport applies an account's push faults to the engine's requests.
// The account is the push's ToUserName (its original id), which every push
// carries in clear, in all three modes.
type pushTransport struct {
	e    atomic.Pointer[Emulator] // none yet: no faults
	base http.RoundTripper
}

var errTimeout = errors.New("emulated timeout: no answer within 5 s")

// toUserName reads the ToUserName of a push body.
func toUserName(body []byte) string {
	var x struct {
		ToUserName string `xml:"ToUserName"`
	}
	if xml.Unmarshal(body, &x) != nil {
		return ""
	}
	return strings.TrimSpace(x.ToUserName)
}

type pushFault int

const (
	noFault pushFault = iota
	failFault
	timeoutFault
	delayFault
	duplicateFault
)

// take draws the fault for one push attempt to the account whose original
// id is to, counting it down.
func (e *Emulator) take(to string) (pushFault, time.Duration) {
	acc := e.byOriginalID(to)
	if acc == nil {
		return noFault, 0
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.faults[acc.ID]
	if a == nil {
		return noFault, 0
	}
	switch {
	case a.f.FailPushes > 0:
		a.f.FailPushes--
		return failFault, 0
	case a.f.TimeoutPushes > 0:
		a.f.TimeoutPushes--
		return timeoutFault, 0
	case a.f.DelayPushes > 0:
		a.f.DelayPushes--
		d := time.Duration(a.f.DelayMS) * time.Millisecond
		if d <= 0 {
			d = e.pushTimeout() + time.Second
		}
		return delayFault, d
	case a.f.DuplicatePushes > 0:
		a.f.DuplicatePushes--
		return duplicateFault, 0
	}
	return noFault, 0
}

func (t *pushTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil && r.GetBody != nil {
		rc, err := r.GetBody()
		if err != nil {
			return nil, err
		}
		body, err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
	}
	fault, delay := noFault, time.Duration(0)
	if len(body) > 0 {
		if e := t.e.Load(); e != nil {
			fault, delay = e.take(toUserName(body))
		}
	}
	send := func() (*http.Response, error) {
		r2 := r.Clone(r.Context())
		r2.Body = http.NoBody
		if body != nil {
			r2.Body = io.NopCloser(bytes.NewReader(body))
			r2.ContentLength = int64(len(body))
		}
		return t.base.RoundTrip(r2)
	}
	switch fault {
	case failFault:
		return &http.Response{StatusCode: 500, Status: "500 Internal Server Error", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	case timeoutFault:
		if res, err := send(); err == nil {
			res.Body.Close()
		}
		return nil, errTimeout
	case duplicateFault:
		if res, err := send(); err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
		return send()
	case delayFault:
		// The server gets the push at once; its answer is held. Past the
		// engine's timeout its context ends first: a real timeout, then
		// WeChat's retry.
		res, err := send()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		res.Body.Close()
		if err != nil {
			return nil, err
		}
		timer := time.NewTimer(delay)
		defer timer.Stop()
		select {
		case <-r.Context().Done():
			return nil, r.Context().Err()
		case <-timer.C:
		}
		res.Body = io.NopCloser(bytes.NewReader(b))
		res.ContentLength = int64(len(b))
		return res, nil
	}
	return send()
}

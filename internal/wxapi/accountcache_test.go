package wxapi_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/wxapi"
)

// accountClock gives api's account cache a clock the test moves, and loads
// the Service account at its start.
func accountClock(t *testing.T, api *wxapi.API, c *client, tok string) (advance func(time.Duration), at func() time.Time) {
	t.Helper()
	var mu sync.Mutex
	now := time.Unix(1_900_000_000, 0)
	at = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	wxapi.SetAccountClock(api, at)
	wantCode(t, "first call", c.call("/cgi-bin/getcallbackip", tok, nil), 0)
	return func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }, at
}

// TestAccountReadAhead: an account served in the last quarter of its 2 s
// is read again in the background, so a change no ForgetAccount reported
// (another node's console, a command) shows before the cached state would
// have aged out, and the calls meanwhile are answered from the cache.
func TestAccountReadAhead(t *testing.T) {
	h, c, tok := start(t)
	a := h.Internal().App
	acc := h.Service
	advance, at := accountClock(t, a.API, c, tok)
	if _, err := a.DB.Exec(context.Background(), `UPDATE accounts SET status = 'suspended' WHERE id = ?`, acc.ID); err != nil {
		t.Fatal(err)
	}
	advance(1600 * time.Millisecond)
	wantCode(t, "call at 1.6 s (cached)", c.call("/cgi-bin/getcallbackip", tok, nil), 0)
	deadline := time.Now().Add(10 * time.Second)
	for !wxapi.AccountLoadedAt(a.API, acc.ID).Equal(at()) {
		if time.Now().After(deadline) {
			t.Fatalf("the account served at 1.6 s was not read again")
		}
		time.Sleep(5 * time.Millisecond)
	}
	advance(100 * time.Millisecond) // 1.7 s: the first state would still be served
	wantCode(t, "call after the account was read again", c.call("/cgi-bin/getcallbackip", tok, nil), 50007)
}

// TestAccountLoadBeforeForgetNotKept: a load that read the account before
// a ForgetAccount is not kept (it may hold the state from before the change
// ForgetAccount was called for), so the next call reads the account again.
// Loads in the background (reading ahead) and a call's own load are the
// same code; the call's is used here, as it ends after the keeping.
func TestAccountLoadBeforeForgetNotKept(t *testing.T) {
	h, c, tok := start(t)
	a := h.Internal().App
	acc := h.Service
	advance, _ := accountClock(t, a.API, c, tok)
	read, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	wxapi.SetBeforeAccountKept(a.API, func() {
		once.Do(func() { close(read); <-release })
	})
	advance(2500 * time.Millisecond) // the cached state is too old: the call reads it
	answered := make(chan result)
	go func() { answered <- c.call("/cgi-bin/getcallbackip", tok, nil) }()
	select {
	case <-read: // the call has read the account, still active
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not read the account")
	}
	if err := h.Suspend(acc); err != nil { // the status, then ForgetAccount
		t.Fatal(err)
	}
	close(release)
	wantCode(t, "the call that read before the suspension", <-answered, 0)
	wantCode(t, "the next call", c.call("/cgi-bin/getcallbackip", tok, nil), 50007)
}

package web_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/web"
)

func TestForwardedForIsBelievedOnlyFromTrustedProxies(t *testing.T) {
	trusted := web.Proxies{netip.MustParsePrefix("10.0.0.0/8")}
	var got, scheme string
	h := web.RealIP(trusted, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, scheme = web.ClientIP(r), web.Scheme(r)
	}))
	for _, c := range []struct{ peer, xff, proto, want, wantScheme string }{
		{"10.0.0.5:4000", "203.0.113.9", "https", "203.0.113.9", "https"},
		{"10.0.0.5:4000", "1.2.3.4, 203.0.113.9, 10.0.0.7", "", "203.0.113.9", "http"}, // the right-most untrusted hop
		{"10.0.0.5:4000", "", "", "10.0.0.5", "http"},
		{"10.0.0.5:4000", "garbage, 203.0.113.9", "", "203.0.113.9", "http"},
		{"10.0.0.5:4000", "203.0.113.9, garbage", "", "10.0.0.5", "http"},
		{"198.51.100.1:4000", "203.0.113.9", "https", "198.51.100.1", "http"}, // not a proxy: headers ignored
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if c.proto != "" {
			r.Header.Set("X-Forwarded-Proto", c.proto)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != c.want || scheme != c.wantScheme {
			t.Errorf("peer %s, X-Forwarded-For %q: client %s %s, want %s %s", c.peer, c.xff, got, scheme, c.want, c.wantScheme)
		}
	}
	// Without configured proxies, nobody's header counts.
	h = web.RealIP(nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = web.ClientIP(r) }))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "10.0.0.5:4000"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got != "10.0.0.5" {
		t.Errorf("client %s, want the peer", got)
	}
}

// readBody reads the whole body and answers "got N", or 408 when the body
// did not arrive in time.
var readBody = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "body too slow", http.StatusRequestTimeout)
		return
	}
	fmt.Fprintf(w, "got %d", len(b))
})

// A client trickling its body is cut off when the body deadline passes;
// one that sends in time is served, and the connection is reusable.
func TestSlowBodiesAreCutOff(t *testing.T) {
	srv := httptest.NewServer(web.BodyDeadline(300*time.Millisecond, web.UploadDeadline{Min: 2 * time.Second}, readBody))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n")
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		_, _ = io.Copy(io.Discard, c)
	}()
	sent := 0
	for range 40 { // up to 4 s of one byte every 100 ms
		select {
		case <-closed:
			if sent >= 40 {
				t.Errorf("connection held for %d bytes", sent)
			}
			goto fast
		case <-time.After(100 * time.Millisecond):
		}
		if _, err := c.Write([]byte("a")); err != nil {
			goto fast
		}
		sent++
	}
	t.Fatalf("a body trickling for %d × 100 ms was never cut off", sent)
fast:
	// In time: served, and a second request on the same connection works.
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	br := bufio.NewReader(c2)
	for i := range 2 {
		fmt.Fprintf(c2, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(b) != "got 3" {
			t.Fatalf("request %d: %q", i, b)
		}
		time.Sleep(400 * time.Millisecond) // past the body deadline: it was lifted
	}
}

func TestConnectionsPerClientAreCapped(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: web.LimitListener(ln, 3, nil), Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})}}
	srv.Start()
	defer srv.Close()
	addr := ln.Addr().String()
	var held []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") // keep-alive: stays open
		if _, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(extra, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, err := http.ReadResponse(bufio.NewReader(extra), nil); err == nil {
		t.Fatal("a fourth connection from one client was served")
	}
	extra.Close()
	held[0].Close()
	// A freed slot is usable again.
	var res *http.Response
	for range 50 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		res, err = http.ReadResponse(bufio.NewReader(c), nil)
		c.Close()
		if err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond) // the server notices the close
	}
	if res == nil || res.StatusCode != http.StatusOK {
		t.Fatal("no connection served after one was closed")
	}
}

// An upload may take longer than its minimum while it keeps up the rate:
// a steady one is served in full; one that trickles below the rate, or
// stops for longer than the pause allowed, is cut off once the minimum has
// passed.
func TestSteadyUploadsGoOnPastTheMinimum(t *testing.T) {
	srv := httptest.NewServer(web.BodyDeadline(time.Second,
		web.UploadDeadline{Min: 500 * time.Millisecond, Rate: 20_000, Idle: 500 * time.Millisecond},
		readBody))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")

	// send writes chunks of size bytes every 50 ms, pausing once for pause
	// after the chunk numbered pauseAt, and tells whether all were written
	// and the response read (the response's body, or "" when cut off).
	send := func(chunks, size, pauseAt int, pause time.Duration) string {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: %d\r\n\r\n", chunks*size)
		chunk := []byte(strings.Repeat("a", size))
		for i := range chunks {
			if _, err := c.Write(chunk); err != nil {
				return ""
			}
			if i == pauseAt {
				time.Sleep(pause)
			}
			time.Sleep(50 * time.Millisecond)
		}
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return ""
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			return ""
		}
		return string(b)
	}
	// 2,000 bytes every 50 ms (40 KB/s, twice the rate) for 1.5 s: three
	// times the minimum.
	if got := send(30, 2000, -1, 0); got != "got 60000" {
		t.Errorf("a steady upload past the minimum: %q, want it served in full", got)
	}
	// 100 bytes every 50 ms (2 KB/s) for 2 s.
	if got := send(40, 100, -1, 0); got != "" {
		t.Errorf("an upload trickling below the rate: %q, want it cut off", got)
	}
	// Steady for 0.8 s, then a pause of 1.5 s (three times the pause allowed).
	if got := send(30, 2000, 15, 1500*time.Millisecond); got != "" {
		t.Errorf("an upload that stopped past the minimum: %q, want it cut off", got)
	}
}

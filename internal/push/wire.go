package push

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"
)

// The engine's own HTTP/1.1 connections to developers' servers.
//
// net/http's transport serves each connection with two goroutines of its
// own (a writer and a reader): a push through it wakes four goroutines and
// crosses four channels between the caller and the socket. A push is one
// small POST whose short answer is read whole, so for plain-HTTP servers
// the engine writes the request and reads the answer on the caller's own
// goroutine, over keep-alive connections it keeps per server (at most one
// per request slot, see endpointSlots). The connections are dialled with
// the client's transport's DialContext, so the outbound policy checks each
// of them as before. HTTPS servers, and clients whose transport is not a
// plain *http.Transport without a proxy (tests' and the emulator's
// recorders), keep net/http's client.

// wireDial returns the dialer of the engine's own connections, or nil when
// its client must make every request itself.
func (e *Engine) wireDial() func(ctx context.Context, network, addr string) (net.Conn, error) {
	e.wireOnce.Do(func() {
		c := e.client()
		t, ok := c.Transport.(*http.Transport)
		if !ok || t == nil || t.Proxy != nil || t.DialContext == nil || t.DialTLSContext != nil || c.Jar != nil || c.Timeout != 0 {
			return
		}
		e.wireDialer = t.DialContext
		e.wireIdle = t.IdleConnTimeout
		if e.wireIdle <= 0 {
			e.wireIdle = 90 * time.Second
		}
	})
	return e.wireDialer
}

// wireTarget is what a plain-HTTP push URL needs for the engine's own
// request: the address to dial, the Host header and the request path.
type wireTarget struct {
	addr string // host:port
	host string // the Host header
	path string // the escaped path, "/" when empty
}

// parseWireTarget reads base (a push URL without its query) for the
// engine's own connections; ok is false for anything net/http should send
// (https, user info, a zone, a non-ASCII host, an opaque URL).
func parseWireTarget(base string) (wireTarget, bool) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || u.User != nil || u.Opaque != "" || u.Host == "" || u.Fragment != "" || u.RawQuery != "" || u.ForceQuery {
		return wireTarget{}, false
	}
	for i := 0; i < len(u.Host); i++ {
		if c := u.Host[i]; c <= ' ' || c >= 0x7f || c == '%' || c == '/' {
			return wireTarget{}, false
		}
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return wireTarget{addr: net.JoinHostPort(u.Hostname(), port), host: u.Host, path: path}, true
}

// maxKeptRequest is the largest request buffer a connection keeps for the
// next push; a push is usually 1-2 KB.
const maxKeptRequest = 16 << 10

// wireConn is one kept-alive connection to a developer's server.
type wireConn struct {
	nc   net.Conn
	br   *bufio.Reader
	wbuf []byte    // the request being written, kept for the next one
	idle time.Time // when it was put back
}

// take returns an idle connection to the server that is still open, or
// nil. A server may close a kept-alive connection at any time while it is
// idle; one it has closed (or that holds unasked-for bytes) is dropped
// here rather than found out by a failed push.
func (s *endpointSlots) take(maxIdle time.Duration) *wireConn {
	now := time.Now()
	for {
		s.mu.Lock()
		n := len(s.idle)
		if n == 0 {
			s.mu.Unlock()
			return nil
		}
		c := s.idle[n-1]
		s.idle[n-1] = nil
		s.idle = s.idle[:n-1]
		s.mu.Unlock()
		if now.Sub(c.idle) < maxIdle && c.br.Buffered() == 0 && open(c.nc) {
			return c
		}
		c.nc.Close()
	}
}

// put keeps c for the next push to the server, and makes sure connections
// left idle longer than maxIdle are closed even if no push comes.
func (s *endpointSlots) put(c *wireConn, maxIdle time.Duration) {
	c.idle = time.Now()
	s.mu.Lock()
	s.idle = append(s.idle, c)
	if s.sweep == nil {
		s.sweep = time.AfterFunc(maxIdle, func() { s.closeIdle(maxIdle) })
	}
	s.mu.Unlock()
}

// closeIdle closes the connections idle longer than maxIdle, and comes
// back later while some are left.
func (s *endpointSlots) closeIdle(maxIdle time.Duration) {
	now := time.Now()
	var old []*wireConn
	s.mu.Lock()
	kept := s.idle[:0]
	for _, c := range s.idle { // oldest first: put appends
		if now.Sub(c.idle) >= maxIdle {
			old = append(old, c)
		} else {
			kept = append(kept, c)
		}
	}
	clear(s.idle[len(kept):])
	s.idle = kept
	if len(kept) > 0 {
		s.sweep.Reset(maxIdle - now.Sub(kept[0].idle))
	} else {
		s.sweep = nil
	}
	s.mu.Unlock()
	for _, c := range old {
		c.nc.Close()
	}
}

// postWire is post over the engine's own connection: target is the push
// URL with its query, rest what follows its path (the query with its "?",
// or nothing), w the server's address. Errors are those of post: a
// timeout is why.timeout, a failed body read why.read, others as
// net/http's client returns them (a *url.Error around the dial or read
// error).
func (e *Engine) postWire(ctx context.Context, slots *endpointSlots, w wireTarget, target, rest, body string) (int, []byte, error) {
	timeout := e.timeout()
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c := slots.take(e.wireIdle)
	if c == nil {
		dctx, cancel := context.WithDeadline(ctx, deadline)
		nc, err := e.wireDialer(dctx, "tcp", w.addr)
		cancel()
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return 0, nil, noteErr("why.timeout", timeout.String())
			}
			return 0, nil, &url.Error{Op: "Post", URL: target, Err: err}
		}
		c = &wireConn{nc: nc, br: bufio.NewReaderSize(nc, 4096)}
	}
	keep := false
	defer func() {
		if keep {
			slots.put(c, e.wireIdle)
		} else {
			c.nc.Close()
		}
	}()
	_ = c.nc.SetDeadline(deadline)
	if ctx.Done() != nil {
		// A canceled push stops waiting at once: the connection's deadline
		// moves to the past.
		stop := context.AfterFunc(ctx, func() { _ = c.nc.SetDeadline(time.Unix(1, 0)) })
		defer stop()
	}
	failed := func(err error) error {
		if cerr := ctx.Err(); cerr == context.Canceled {
			return &url.Error{Op: "Post", URL: target, Err: cerr}
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return noteErr("why.timeout", timeout.String())
		}
		return &url.Error{Op: "Post", URL: target, Err: err}
	}

	// The request as net/http writes it, without Accept-Encoding (WeChat's
	// pushes do not ask for gzip, and the answer is read as it comes).
	b := c.wbuf[:0]
	b = append(b, "POST "...)
	b = append(b, w.path...)
	b = append(b, rest...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, w.host...)
	b = append(b, "\r\nUser-Agent: Mozilla/4.0\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\nContent-Type: text/xml\r\n\r\n"...)
	b = append(b, body...)
	if cap(b) <= maxKeptRequest {
		c.wbuf = b
	}
	if _, err := c.nc.Write(b); err != nil {
		return 0, nil, failed(err)
	}
	var res *http.Response
	for {
		var err error
		res, err = http.ReadResponse(c.br, nil)
		if err != nil {
			return 0, nil, failed(err)
		}
		// Informational answers (100 Continue, 103 Early Hints) come
		// before the answer itself, as net/http's transport reads them.
		if res.StatusCode < 100 || res.StatusCode >= 200 || res.StatusCode == http.StatusSwitchingProtocols {
			break
		}
	}
	out, err := readResponse(res)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = context.DeadlineExceeded // in the words net/http's client used
		}
		return 0, nil, noteErr("why.read", err.Error())
	}
	// Kept for the next push only when the answer was read to its end and
	// the server keeps the connection open.
	// Its deadline stays: the next push sets its own before it writes.
	keep = !res.Close && len(out) < maxResponse && res.StatusCode != http.StatusSwitchingProtocols && ctx.Err() == nil
	return res.StatusCode, out, nil
}

// wireSafe reports whether target holds nothing net/http would refuse or
// write differently in a request line (spaces, control or non-ASCII bytes,
// a fragment).
func wireSafe(target string) bool {
	for i := 0; i < len(target); i++ {
		if c := target[i]; c <= ' ' || c >= 0x7f || c == '#' {
			return false
		}
	}
	return true
}

package web

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Proxies are the reverse proxies whose X-Forwarded-For and
// X-Forwarded-Proto headers are believed.
type Proxies []netip.Prefix

func (p Proxies) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, r := range p {
		if r.Contains(a) {
			return true
		}
	}
	return false
}

type schemeKey struct{}

// RealIP rewrites r.RemoteAddr to the client's address when the TCP peer
// is a trusted proxy: the right-most X-Forwarded-For entry that is not a
// trusted proxy itself (entries further left are the client's to invent).
// From anyone else the headers are ignored. X-Forwarded-Proto from a
// trusted proxy is kept for Scheme.
func RealIP(trusted Proxies, next http.Handler) http.Handler {
	if len(trusted) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, err := netip.ParseAddrPort(r.RemoteAddr)
		if err != nil || !trusted.trusted(peer.Addr()) {
			next.ServeHTTP(w, r)
			return
		}
		client := peer.Addr().Unmap()
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a garbled hop: trust nothing further left
			}
			client = a.Unmap()
			if !trusted.trusted(client) {
				break
			}
		}
		r2 := r.Clone(r.Context())
		r2.RemoteAddr = netip.AddrPortFrom(client, 0).String()
		if proto := strings.ToLower(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto"))); proto == "https" || proto == "http" {
			r2 = r2.WithContext(context.WithValue(r2.Context(), schemeKey{}, proto))
		}
		next.ServeHTTP(w, r2)
	})
}

// Scheme is "https" when the request came over TLS, directly or through a
// trusted proxy that said so, else "http".
func Scheme(r *http.Request) string {
	if s, ok := r.Context().Value(schemeKey{}).(string); ok {
		return s
	}
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// UploadDeadline bounds how long a multipart upload's body may take. Every
// upload has Min; one that has averaged at least Rate bytes a second since
// its first byte was awaited goes on past Min, each read that keeps that
// average moving the deadline to Idle after it. So a large file on a
// steady link is never cut off, while a client that trickles (below Rate)
// or stops (for Idle) past Min is.
type UploadDeadline struct {
	Min  time.Duration
	Rate int64 // bytes a second
	Idle time.Duration
}

// BodyDeadline bounds how long a request body may take to arrive: normal
// for ordinary requests, upload for multipart uploads. A client trickling
// its body is cut off when the time is up instead of holding a connection
// and a goroutine. Requests without a body get no deadline here (their
// headers are bounded by the server's ReadHeaderTimeout, and event streams
// must stay open). The deadline is lifted once the body is fully read.
func BodyDeadline(normal time.Duration, upload UploadDeadline, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
			d, up := normal, false
			if strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "multipart/") {
				d, up = upload.Min, true
			}
			rc := http.NewResponseController(w)
			start := time.Now()
			if rc.SetReadDeadline(start.Add(d)) == nil {
				b := &deadlineBody{ReadCloser: r.Body, rc: rc}
				if up && upload.Rate > 0 && upload.Idle > 0 {
					b.up, b.start, b.deadline = &upload, start, start.Add(d)
				}
				r.Body = b
			}
		}
		next.ServeHTTP(w, r)
	})
}

type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
	// For an upload that may go on past its minimum (UploadDeadline).
	up       *UploadDeadline
	start    time.Time
	deadline time.Time // the read deadline set last
	read     int64
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	if b.up != nil && n > 0 && !b.done {
		b.read += int64(n)
		now := time.Now()
		// At most one deadline change a second (or a quarter of Idle):
		// moving it costs a timer update, and a read arrives every few
		// kilobytes.
		if next := now.Add(b.up.Idle); next.Sub(b.deadline) >= min(time.Second, b.up.Idle/4) &&
			float64(b.read) >= float64(b.up.Rate)*now.Sub(b.start).Seconds() {
			if b.rc.SetReadDeadline(next) == nil {
				b.deadline = next
			}
		}
	}
	return n, err
}

// LimitListener refuses a client's connections beyond perClient open at
// once (closing them as soon as they are accepted). Connections from
// trusted proxies are not counted: they carry many clients.
func LimitListener(ln net.Listener, perClient int, trusted Proxies) net.Listener {
	return &limitListener{Listener: ln, per: perClient, trusted: trusted, open: map[netip.Addr]int{}}
}

type limitListener struct {
	net.Listener
	per     int
	trusted Proxies
	mu      sync.Mutex
	open    map[netip.Addr]int
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ap, perr := netip.ParseAddrPort(c.RemoteAddr().String())
		if perr != nil || l.trusted.trusted(ap.Addr()) {
			return c, nil
		}
		a := ap.Addr().Unmap()
		l.mu.Lock()
		if l.open[a] >= l.per {
			l.mu.Unlock()
			c.Close()
			continue
		}
		l.open[a]++
		l.mu.Unlock()
		return &countedConn{Conn: c, release: func() {
			l.mu.Lock()
			if l.open[a]--; l.open[a] <= 0 {
				delete(l.open, a)
			}
			l.mu.Unlock()
		}}, nil
	}
}

type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

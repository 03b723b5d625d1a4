package push

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/outbound"
)

// rawServer is a developer's server written on TCP directly, so that a
// test chooses each byte of the answers and when connections close.
type rawServer struct {
	ln     net.Listener
	conns  atomic.Int32
	mu     sync.Mutex
	heads  []string // every request's line and header, as received
	bodies []string
	// answer returns the n-th answer's bytes (n counts from 1 on each
	// connection) and whether to close the connection after it.
	answer func(n int) (string, bool)
	closed chan struct{} // a connection was closed by the server or by the peer
}

func newRawServer(t *testing.T, answer func(n int) (string, bool)) *rawServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln, answer: answer, closed: make(chan struct{}, 100)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			go s.serve(c)
		}
	}()
	return s
}

func (s *rawServer) serve(c net.Conn) {
	defer func() {
		c.Close()
		s.closed <- struct{}{}
	}()
	br := bufio.NewReader(c)
	for n := 1; ; n++ {
		var head strings.Builder
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			head.WriteString(line)
			if line == "\r\n" {
				break
			}
		}
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(head.String())))
		if err != nil {
			return
		}
		body := make([]byte, req.ContentLength)
		if _, err := io.ReadFull(br, body); err != nil {
			return
		}
		s.mu.Lock()
		s.heads = append(s.heads, head.String())
		s.bodies = append(s.bodies, string(body))
		s.mu.Unlock()
		a, closeAfter := s.answer(n)
		if _, err := io.WriteString(c, a); err != nil || closeAfter {
			return
		}
	}
}

func (s *rawServer) url() string { return "http://" + s.ln.Addr().String() }

// wireEngine is an engine with the platform's client, loopback allowed:
// its pushes to plain-HTTP servers use its own connections.
func wireEngine(t *testing.T, idle time.Duration) *Engine {
	p := outbound.NewPolicy([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})
	tr := p.Transport()
	if idle > 0 {
		tr.IdleConnTimeout = idle
	}
	e := NewEngine(Deps{Client: &http.Client{Transport: tr, CheckRedirect: outbound.NoRedirects}}, Options{Timeout: 2 * time.Second})
	if e.wireDial() == nil {
		t.Fatal("the platform's client does not use the engine's own connections")
	}
	return e
}

// Pushes go out as WeChat's do, byte for byte in the request line and
// header; they reuse their connection; and a server that closes a kept-alive
// connection while it is idle costs the next push nothing: it arrives on its
// first attempt over a new connection.
func TestPushesKeepConnectionsAliveAndSurviveServerCloses(t *testing.T) {
	const success = "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nContent-Type: text/plain\r\n\r\nsuccess"
	s := newRawServer(t, func(n int) (string, bool) { return success, n == 3 }) // closes after its third answer
	e := wireEngine(t, 0)
	for i := range 10 {
		status, b, err := e.post(context.Background(), s.url()+"/wx?signature=x&openid=o1", "<xml/>")
		if err != nil || status != http.StatusOK || string(b) != "success" {
			t.Fatalf("push %d: %d %q %v", i+1, status, b, err)
		}
		if i%3 == 2 {
			<-s.closed // the server's close is done: the connection is idle and closed
		}
	}
	if n := s.conns.Load(); n != 4 {
		t.Errorf("%d connections for 10 pushes, a new one after every third: want 4", n)
	}
	want := "POST /wx?signature=x&openid=o1 HTTP/1.1\r\nHost: " + s.ln.Addr().String() + "\r\nUser-Agent: Mozilla/4.0\r\nContent-Length: 6\r\nContent-Type: text/xml\r\n\r\n"
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.heads) != 10 || s.heads[0] != want || s.heads[9] != want || s.bodies[9] != "<xml/>" {
		t.Fatalf("%d requests, the first:\n%q\nwant\n%q", len(s.heads), s.heads[0], want)
	}
}

// Answers in each form HTTP/1.1 allows are read whole: chunked, closed by
// the server (HTTP/1.0), after an informational 100, with a status that is
// not 200; a connection is kept only when its answer ended on its own.
func TestPushAnswersInEveryFramingAreRead(t *testing.T) {
	for _, c := range []struct {
		name, answer string
		status       int
		body         string
		kept         bool
	}{
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nsuc\r\n4\r\ncess\r\n0\r\n\r\n", 200, "success", true},
		{"http/1.0", "HTTP/1.0 200 OK\r\n\r\n<xml><Content>hi</Content></xml>", 200, "<xml><Content>hi</Content></xml>", false},
		{"connection close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 7\r\n\r\nsuccess", 200, "success", false},
		{"continue first", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nsuccess", 200, "success", true},
		{"server error", "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops", 500, "oops", true},
		{"empty", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 200, "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newRawServer(t, func(int) (string, bool) { return c.answer, !c.kept })
			e := wireEngine(t, 0)
			for i := range 2 {
				status, b, err := e.post(context.Background(), s.url()+"/?nonce=1", "<xml/>")
				if err != nil || status != c.status || string(b) != c.body {
					t.Fatalf("push %d: %d %q %v, want %d %q", i+1, status, b, err, c.status, c.body)
				}
				if !c.kept {
					<-s.closed
				}
			}
			if want := map[bool]int32{true: 1, false: 2}[c.kept]; s.conns.Load() != want {
				t.Errorf("%d connections for 2 pushes, want %d", s.conns.Load(), want)
			}
		})
	}
}

// A server that does not answer in time is a timeout, and one that answers
// nothing but closes is an error; a canceled push stops waiting at once.
// None of their connections is used again.
func TestPushWithoutAnAnswerFailsAndDropsItsConnection(t *testing.T) {
	hold := make(chan struct{})
	defer close(hold)
	s := newRawServer(t, func(int) (string, bool) { <-hold; return "", true })
	e := wireEngine(t, 0)
	e.opts.Timeout = 100 * time.Millisecond
	_, _, err := e.post(context.Background(), s.url()+"/?nonce=1", "<xml/>")
	if n := why(err); n.Code != "why.timeout" {
		t.Fatalf("slow server: %v (%s)", err, n.Code)
	}
	e.opts.Timeout = 5 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	if _, _, err := e.post(ctx, s.url()+"/?nonce=1", "<xml/>"); err == nil || time.Since(start) > 4*time.Second {
		t.Fatalf("canceled push: %v after %v", err, time.Since(start))
	}
	if s.conns.Load() != 2 {
		t.Fatalf("%d connections, want a new one for each push after a failure", s.conns.Load())
	}

	closer := newRawServer(t, func(int) (string, bool) { return "", true })
	_, _, err = e.post(context.Background(), closer.url()+"/?nonce=1", "<xml/>")
	if n := why(err); err == nil || n.Code != "why.error" || !strings.Contains(n.English(), "EOF") {
		t.Fatalf("closed without an answer: %v (%s)", err, n.English())
	}
}

// A connection left idle is closed after the transport's IdleConnTimeout,
// with no push to find it.
func TestIdleConnectionsAreClosed(t *testing.T) {
	s := newRawServer(t, func(int) (string, bool) {
		return "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nsuccess", false
	})
	e := wireEngine(t, 100*time.Millisecond)
	if _, _, err := e.post(context.Background(), s.url()+"/?nonce=1", "<xml/>"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the idle connection is still open after 5 s")
	}
}

// A refused address is refused on the engine's own connections too.
func TestWireConnectionsKeepTheOutboundPolicy(t *testing.T) {
	s := newRawServer(t, func(int) (string, bool) { return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno", false })
	e := NewEngine(Deps{Client: outbound.NewPolicy(nil).Client(0)}, Options{})
	_, _, err := e.post(context.Background(), s.url()+"/?nonce=1", "<xml/>")
	if _, blocked := outbound.Blocked(err); !blocked || e.wireDial() == nil {
		t.Fatalf("loopback push: %v (own connections: %v)", err, e.wireDial() != nil)
	}
	if s.conns.Load() != 0 {
		t.Fatal("the refused server was connected to")
	}
}

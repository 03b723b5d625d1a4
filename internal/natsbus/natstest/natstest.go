// Package natstest runs a NATS server inside a test process
// (github.com/nats-io/nats-server/v2), so that tests of several Herald nodes
// need no server outside the test. Only tests import it.
package natstest

import (
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Server is an embedded NATS server that can be stopped and started again
// on the same port (an outage).
type Server struct {
	t    testing.TB
	opts server.Options

	mu  sync.Mutex
	srv *server.Server
}

// Start runs a server on a free local port with opts (nil: no
// authentication) and stops it when the test ends.
func Start(t testing.TB, opts *server.Options) *Server {
	t.Helper()
	s := &Server{t: t}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Host == "" {
		s.opts.Host = "127.0.0.1"
	}
	if s.opts.Port == 0 {
		s.opts.Port = freePort(t)
	}
	s.opts.NoLog, s.opts.NoSigs = true, true
	s.Restart()
	t.Cleanup(s.Stop)
	return s
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// URL is the address clients connect to.
func (s *Server) URL() string {
	scheme := "nats"
	if s.opts.TLSConfig != nil {
		scheme = "tls"
	}
	return fmt.Sprintf("%s://%s", scheme, net.JoinHostPort(s.opts.Host, strconv.Itoa(s.opts.Port)))
}

// Server returns the running server (nil while stopped).
func (s *Server) Server() *server.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.srv
}

// Stop shuts the server down, cutting every client off.
func (s *Server) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
	}
}

// Restart starts the server (again) on its port.
func (s *Server) Restart() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return
	}
	opts := s.opts
	var srv *server.Server
	var err error
	// The port may take a moment to be free again after a stop.
	for range 50 {
		srv, err = server.NewServer(&opts)
		if err == nil {
			go srv.Start()
			if srv.ReadyForConnections(5 * time.Second) {
				break
			}
			srv.Shutdown()
			err = fmt.Errorf("not ready")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("natstest: start NATS server: %v", err)
	}
	s.srv = srv
}

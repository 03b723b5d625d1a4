// Package s3test starts an in-process S3-compatible server for tests, so
// that the S3 media store and multi-node tests need no outside service.
package s3test

import (
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Server is a running fake S3 with one bucket.
type Server struct {
	*httptest.Server
	Bucket string
}

// New starts a server with the bucket "herald"; it stops when the test
// ends.
func New(t testing.TB) *Server {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("herald"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithAutoBucket(false)).Server())
	t.Cleanup(srv.Close)
	return &Server{Server: srv, Bucket: "herald"}
}

// MediaURL is the --media-url for this server.
func (s *Server) MediaURL() string {
	return "s3://" + s.Bucket + "?endpoint=" + s.URL + "&region=us-east-1"
}

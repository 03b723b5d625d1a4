package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestObserveAllocations holds the request path's wrappers to their
// allocations: Observe's response writer is the only one (the pattern
// travels on it, not in a copy of the request).
func TestObserveAllocations(t *testing.T) {
	inner := http.NewServeMux()
	inner.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {})
	h := Observe(slog.New(slog.NewTextHandler(io.Discard, nil)), nil, RecordPattern(inner))
	r := httptest.NewRequest(http.MethodGet, "/", strings.NewReader(""))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if n := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) }); n > 1 {
		t.Errorf("%v allocations per request through Observe and RecordPattern, want at most 1", n)
	}
}

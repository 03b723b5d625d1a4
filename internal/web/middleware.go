package web

import (
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"
)

type statusWriter struct {
	http.ResponseWriter
	status  int
	bytes   int
	pattern string // the nested mux's route pattern (RecordPattern)
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Flush lets server-sent events through the wrapper.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// RecordPattern wraps a nested ServeMux so that the route pattern it matched
// reaches Observe, even when middleware in between passed a copy of the
// request (r.WithContext) to the nested mux. The pattern goes on Observe's
// response writer, found by unwrapping w, rather than in the request's
// context: putting it there cost Observe a copy of every request.
func RecordPattern(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if r.Pattern == "" {
			return
		}
		for {
			if sw, ok := w.(*statusWriter); ok {
				sw.pattern = r.Pattern
				return
			}
			u, ok := w.(interface{ Unwrap() http.ResponseWriter })
			if !ok {
				return
			}
			w = u.Unwrap()
		}
	})
}

// statusWriters are Observe's writers, used again once their request is
// answered (nothing keeps a ResponseWriter past its handler's return): one
// allocation fewer per request.
var statusWriters = sync.Pool{New: func() any { return new(statusWriter) }}

// Observe wraps the whole mux: it recovers panics, logs each request and
// records metrics labelled with the matched route pattern.
func Observe(log *slog.Logger, m *Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := statusWriters.Get().(*statusWriter)
		sw.ResponseWriter = w
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic serving request", slog.String("path", r.URL.Path), slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				if sw.status == 0 {
					http.Error(sw, "Internal Server Error", http.StatusInternalServerError)
				}
			}
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			d := time.Since(start)
			route := sw.pattern
			if route == "" {
				route = r.Pattern
			}
			if route == "" {
				route = "unmatched"
			}
			if m != nil {
				m.observe(route, r.Method, sw.status, d)
			}
			// Checked first: building the attributes costs allocations on
			// every request even when debug lines are dropped.
			if log.Enabled(r.Context(), slog.LevelDebug) {
				log.Debug("request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
					slog.Int("status", sw.status), slog.Duration("duration", d), slog.Int("bytes", sw.bytes))
			}
			*sw = statusWriter{}
			statusWriters.Put(sw)
		}()
		next.ServeHTTP(sw, r)
	})
}

// Package web holds the HTTP plumbing shared by every face: handlers that
// return errors, the mapping of domain errors to status codes, templates,
// fingerprinted static files, sessions, rate limits, metrics and logging.
package web

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// HandlerFunc is an HTTP handler that returns an error instead of writing
// one; an ErrorWriter turns the error into a response in one place.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// ErrorWriter writes a response for an error a handler returned.
type ErrorWriter func(w http.ResponseWriter, r *http.Request, err error)

// Adapt turns h into an http.Handler that sends errors to onErr.
func Adapt(h HandlerFunc, onErr ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			onErr(w, r, err)
		}
	})
}

// UnavailableMessage is what people are told while the database cannot be
// reached (HTTP 503).
const UnavailableMessage = "Herald cannot reach its database at the moment. Please try again in a minute."

// Status maps a domain error to an HTTP status: 503 when the database
// cannot serve (db.Unavailable).
func Status(err error) int {
	kind := errs.KindOf(err)
	if kind == errs.KindInternal && db.Unavailable(err) {
		return http.StatusServiceUnavailable
	}
	switch kind {
	case errs.KindInvalid:
		return http.StatusUnprocessableEntity
	case errs.KindNotFound:
		return http.StatusNotFound
	case errs.KindConflict:
		return http.StatusConflict
	case errs.KindForbidden:
		return http.StatusForbidden
	case errs.KindUnauthorized:
		return http.StatusUnauthorized
	case errs.KindTooMany:
		return http.StatusTooManyRequests
	default:
		return http.StatusInternalServerError
	}
}

// LogError logs server-side failures once, at error level, and client
// errors at debug level.
func LogError(log *slog.Logger, r *http.Request, err error) {
	if Status(err) >= 500 {
		log.Error("request failed", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
		return
	}
	log.Debug("request refused", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
}

// JSON writes v as JSON with the given status.
func JSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// JSONError writes {"error": message} with the status for err.
func JSONError(w http.ResponseWriter, err error) {
	status := Status(err)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "30")
		_ = JSON(w, status, map[string]string{"error": UnavailableMessage})
		return
	}
	_ = JSON(w, status, map[string]string{"error": errs.Message(err)})
}

// ClientIP returns the remote address of the request without the port: the
// TCP peer, or the client named in X-Forwarded-For when the peer is one of
// the --trusted-proxies (RealIP rewrites RemoteAddr before this is read).
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// SafeNext returns next when it is a local path (so that a sign-in redirect
// cannot send people to another site), else fallback. Control characters are
// refused too: browsers drop a tab from a Location header, which would turn
// "/\t/evil.example" into "//evil.example".
func SafeNext(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return fallback
	}
	for i := 0; i < len(next); i++ {
		if next[i] < 0x20 || next[i] == 0x7f {
			return fallback
		}
	}
	return next
}

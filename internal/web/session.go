package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/user"
)

// SessionCookie is the name of the sign-in cookie.
const SessionCookie = "herald_session"

type ctxKey int

const (
	personKey ctxKey = iota
	tokenKey
)

// Sessions loads the signed-in person for every request and sets or clears
// the session cookie.
type Sessions struct {
	Store  *user.Store
	Secure bool // set the Secure flag (the base URL is https)
	Log    *slog.Logger
	// Deferred, when set, tells the requests whose page reads the session
	// in its own first statement (PageSession, PageSessionRead) rather
	// than in one of its own before the page: one statement fewer per
	// page. The page must then settle it on every path; Person still reads
	// it on its own when asked first. Requests that never ask for the
	// person (static files) may be deferred too: they read no session.
	Deferred func(*http.Request) bool
}

// Middleware puts the signed-in person (if any) into the request context.
// onError answers a request whose session could not be loaded (the
// database is down): never as signed out. Nil: a plain 503 or 500.
func (s *Sessions) Middleware(next http.Handler, onError ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(SessionCookie)
		if err == nil && c.Value != "" && s.Deferred != nil && s.Deferred(r) {
			r = r.WithContext(context.WithValue(r.Context(), personKey, &pendingSession{s: s, w: w, token: c.Value}))
		} else if err == nil && c.Value != "" {
			p, err := s.Store.SessionPerson(r.Context(), c.Value)
			switch {
			case err == nil:
				ctx := context.WithValue(r.Context(), personKey, p)
				ctx = context.WithValue(ctx, tokenKey, c.Value)
				r = r.WithContext(ctx)
			case errors.Is(err, errs.NotFound):
				s.clear(w)
			default:
				// Treating the person as signed out would send them to the
				// sign-in page (or answer 401) for an outage.
				err = fmt.Errorf("load session: %w", err)
				if onError != nil {
					onError(w, r, err)
				} else {
					s.Log.Error("request failed", slog.String("path", r.URL.Path), slog.Any("error", err))
					msg := errs.Message(err)
					if Status(err) == http.StatusServiceUnavailable {
						msg = UnavailableMessage
					}
					http.Error(w, msg, Status(err))
				}
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// SignIn starts a session for p and sets the cookie.
func (s *Sessions) SignIn(w http.ResponseWriter, r *http.Request, p *user.Person) error {
	token, err := s.Store.CreateSession(r.Context(), p.ID, ClientIP(r), r.UserAgent())
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.Secure, SameSite: http.SameSiteLaxMode, MaxAge: int(user.SessionTTL.Seconds())})
	return nil
}

// SignOut ends the current session and clears the cookie.
func (s *Sessions) SignOut(w http.ResponseWriter, r *http.Request) error {
	if token := SessionToken(r); token != "" {
		if err := s.Store.DeleteSession(r.Context(), token); err != nil {
			return err
		}
	}
	s.clear(w)
	return nil
}

func (s *Sessions) clear(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: s.Secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// pendingSession is a session cookie whose read the middleware left to the
// page (Sessions.Deferred), until the page settles it.
type pendingSession struct {
	s       *Sessions
	w       http.ResponseWriter // for clearing the cookie
	token   string
	settled bool
	p       *user.Person // once settled: the person, nil when signed out
	// failed: reading the session failed (the database is down); the
	// request is answered with that error, drawn as for no one signed in,
	// and the session is not read again.
	failed bool
}

// settle records what the session's read found: p, or err (errs.NotFound:
// no valid session, the cookie is cleared, and the request goes on signed
// out; any other error is returned and the session stays unsettled).
func (ps *pendingSession) settle(p *user.Person, err error) error {
	switch {
	case err == nil:
		ps.settled, ps.p = true, p
	case errors.Is(err, errs.NotFound):
		ps.settled, ps.p = true, nil
		ps.s.clear(ps.w)
	default:
		ps.failed = true
		return fmt.Errorf("load session: %w", err)
	}
	return nil
}

// PageSession is the session the page is to read in its own first
// statement (Sessions.Deferred), with ok false when there is none to read:
// no session cookie, or it was read already (Person then has the answer).
func PageSession(r *http.Request) (_ user.SessionRef, ok bool) {
	ps, _ := r.Context().Value(personKey).(*pendingSession)
	if ps == nil || ps.settled || ps.failed {
		return user.SessionRef{}, false
	}
	return ps.s.Store.Ref(ps.token), true
}

// PageSessionRead settles the session of PageSession with the row the
// page's statement read for ref, checked as the middleware checks a
// session (user.Store.CheckSession): it returns the person, or nil with
// the cookie cleared when the session is not valid (absent, expired,
// signed out on any node).
func PageSessionRead(r *http.Request, ref user.SessionRef, row *user.SessionRow) (*user.Person, error) {
	ps, _ := r.Context().Value(personKey).(*pendingSession)
	if ps == nil || ps.settled {
		return Person(r), nil
	}
	p, err := ps.s.Store.CheckSession(r.Context(), ref, row)
	if err := ps.settle(p, err); err != nil {
		return nil, err
	}
	return ps.p, nil
}

// LoadSession reads a session the page left unread (Sessions.Deferred)
// with a statement of its own, as the middleware does for other pages: an
// error is the database's (the request must not go on as signed out).
// Pages that return early, before their first statement, call it.
func LoadSession(r *http.Request) error {
	ps, _ := r.Context().Value(personKey).(*pendingSession)
	if ps == nil || ps.settled || ps.failed {
		return nil
	}
	p, err := ps.s.Store.SessionPerson(r.Context(), ps.token)
	return ps.settle(p, err)
}

// HasSession reports whether the request is signed in or carries a
// session the page has yet to read (Sessions.Deferred), without reading
// it: for checks that let such a page go on to its own statement.
func HasSession(r *http.Request) bool {
	switch v := r.Context().Value(personKey).(type) {
	case *user.Person:
		return v != nil
	case *pendingSession:
		return !v.settled || v.p != nil
	}
	return false
}

// Person returns the signed-in person, or nil. A session left to the page
// (Sessions.Deferred) and not settled yet is read here with a statement of
// its own; if that fails (or failed before) the request is treated as
// signed out, so pages whose session is deferred settle it themselves
// first.
func Person(r *http.Request) *user.Person {
	switch v := r.Context().Value(personKey).(type) {
	case *user.Person:
		return v
	case *pendingSession:
		if !v.settled && !v.failed {
			if err := LoadSession(r); err != nil && v.s.Log != nil {
				v.s.Log.Error("request failed", slog.String("path", r.URL.Path), slog.Any("error", err))
			}
		}
		return v.p
	}
	return nil
}

// SessionToken returns the current session token, or "".
func SessionToken(r *http.Request) string {
	switch v := r.Context().Value(personKey).(type) {
	case *pendingSession:
		if Person(r) != nil {
			return v.token
		}
		return ""
	}
	t, _ := r.Context().Value(tokenKey).(string)
	return t
}

// WithPerson returns r carrying p as the signed-in person (for tests and for
// handlers that sign someone in mid-request).
func WithPerson(r *http.Request, p *user.Person) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), personKey, p))
}

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
}

// Middleware puts the signed-in person (if any) into the request context.
// onError answers a request whose session could not be loaded (the
// database is down): never as signed out. Nil: a plain 503 or 500.
func (s *Sessions) Middleware(next http.Handler, onError ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(SessionCookie)
		if err == nil && c.Value != "" {
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

// Person returns the signed-in person, or nil.
func Person(r *http.Request) *user.Person {
	p, _ := r.Context().Value(personKey).(*user.Person)
	return p
}

// SessionToken returns the current session token, or "".
func SessionToken(r *http.Request) string {
	t, _ := r.Context().Value(tokenKey).(string)
	return t
}

// WithPerson returns r carrying p as the signed-in person (for tests and for
// handlers that sign someone in mid-request).
func WithPerson(r *http.Request, p *user.Person) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), personKey, p))
}

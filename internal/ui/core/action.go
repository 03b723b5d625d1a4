package core

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/web"
)

// The one shape of a console or admin handler. A Scope says who may open a
// page and loads what it is about; a View draws a page; a Form reads a
// submitted form into a typed value, calls the domain, re-draws its View
// with the message on a user error and redirects with a flash on success.
//
//	h("GET /mp/a/{account}/team", u.Get(u.Member(account.ActTeam), teamView))
//	h("POST /mp/a/{account}/team", core.Post(u.UI, u.Member(account.ActTeam), core.Form[invite]{View: teamView, Parse: ..., Do: ...}))

// Scope checks that the request may use a page and returns the console
// context of the account it is about (nil on admin pages).
type Scope func(r *http.Request) (*ConsoleCtx, error)

// Member is the console's scope: the account named in the path, for a
// member whose role allows action.
func (u *UI) Member(action string) Scope {
	return func(r *http.Request) (*ConsoleCtx, error) { return u.ConsoleAccount(r, action) }
}

// AnyPerson is the scope of pages for every signed-in person (applying for
// an account).
func (u *UI) AnyPerson() Scope {
	return func(r *http.Request) (*ConsoleCtx, error) {
		if web.Person(r) == nil {
			return nil, errs.Unauthorized
		}
		return nil, nil
	}
}

// StaffOnly is the admin's scope: a platform administrator or reviewer;
// when adminOnly is not "", only administrators, others refused with
// adminOnly as the message.
func (u *UI) StaffOnly(adminOnly string) Scope {
	return func(r *http.Request) (*ConsoleCtx, error) {
		me := web.Person(r)
		switch {
		case me == nil:
			return nil, errs.Unauthorized
		case !me.IsStaff():
			return nil, errs.Forbiddenf("The platform admin is only for platform administrators and reviewers.")
		case adminOnly != "" && !me.IsAdmin():
			return nil, errs.Forbiddenf("%s", adminOnly)
		}
		return nil, nil
	}
}

// Handler is a handler whose scope has been checked: c is the console
// context (nil on admin pages).
type Handler func(w http.ResponseWriter, r *http.Request, c *ConsoleCtx) error

// In runs fn once the request passes scope s.
func (u *UI) In(s Scope, fn Handler) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := s(r)
		if err != nil {
			return err
		}
		return fn(w, r, c)
	}
}

// View is a page: its title, its template and Load, which fills the page's
// data. Load runs both when the page is first shown and when a form on it
// is re-shown with an error (then p.Form already holds the submitted
// values, and p.Console the account).
type View struct {
	Title    string
	Template string
	Load     func(r *http.Request, p *Page) error // nil: no data
}

// Get returns the handler that shows v to requests in scope s.
func (u *UI) Get(s Scope, v View) web.HandlerFunc {
	return u.In(s, func(w http.ResponseWriter, r *http.Request, c *ConsoleCtx) error {
		return u.Show(w, r, c, v, nil)
	})
}

// Show draws v for c. With a user error (invalid, conflict, forbidden, ...)
// it re-shows the submitted form with the message on its field, or over the
// form, and the error's status; any other error is returned, to become an
// error page.
func (u *UI) Show(w http.ResponseWriter, r *http.Request, c *ConsoleCtx, v View, err error) error {
	var e *errs.Error
	if err != nil {
		var pe pageError
		if errors.As(err, &pe) {
			return pe.error
		}
		if e = UserError(err); e == nil || v.Template == "" {
			return err
		}
	}
	p := u.NewPage(w, r, v.Title, nil)
	p.Console = c
	status := http.StatusOK
	if e != nil {
		p.SetError(err, r.PostForm)
		status = web.Status(err)
	}
	if v.Load != nil {
		if err := v.Load(r, p); err != nil {
			return err
		}
	}
	return u.Render(w, r, status, v.Template, p)
}

// AsPage marks err to be shown as an error page even though a person could
// act on it (the thing a form is about has gone meanwhile).
func AsPage(err error) error { return pageError{err} }

type pageError struct{ error }

func (e pageError) Unwrap() error { return e.error }

// UserError returns the domain error in err that a person can act on, nil
// when err is an internal error.
func UserError(err error) *errs.Error {
	var e *errs.Error
	if !AsErr(err, &e) || e.Kind == errs.KindInternal {
		return nil
	}
	return e
}

// None is the input of a form that reads nothing but its path.
type None = struct{}

// Done says where a form sends the browser after it succeeded: To is a
// path below the account's console (/mp/a/{id}/To) or, starting with "/",
// a path of its own; Flash is the one-time message shown there.
type Done struct {
	To    string
	Flash string
}

// Form is a submitted form's action. Parse reads the request into the
// typed input (nil: the zero value); an error there (no such thing in the
// path, a malformed request) is the page. Do calls the domain with the
// input; a user error from it re-shows View with the message (a View with
// no template: the error is the page); success redirects as Done says.
type Form[T any] struct {
	View  View
	Read  func(w http.ResponseWriter, r *http.Request) error // reads the body; nil: ParseForm
	Parse func(r *http.Request, c *ConsoleCtx) (T, error)
	// Ask, when set, may answer before Do with a page that asks the person
	// to confirm (asked true); a user error from it re-shows View.
	Ask func(w http.ResponseWriter, r *http.Request, c *ConsoleCtx, in T) (asked bool, err error)
	Do  func(r *http.Request, c *ConsoleCtx, in T) (Done, error)
}

// Post returns the handler of form f for requests in scope s.
func Post[T any](u *UI, s Scope, f Form[T]) web.HandlerFunc {
	return u.In(s, func(w http.ResponseWriter, r *http.Request, c *ConsoleCtx) error {
		read := f.Read
		if read == nil {
			read = ParseForm
		}
		if err := read(w, r); err != nil {
			return err
		}
		var in T
		if f.Parse != nil {
			var err error
			if in, err = f.Parse(r, c); err != nil {
				return err
			}
		}
		if f.Ask != nil {
			asked, err := f.Ask(w, r, c, in)
			if err != nil {
				return u.Show(w, r, c, f.View, err)
			}
			if asked {
				return nil
			}
		}
		done, err := f.Do(r, c, in)
		if err != nil {
			return u.Show(w, r, c, f.View, err)
		}
		return u.Redirect(w, r, c.Link(done.To), done.Flash)
	})
}

// Link is the path of to: below the account's console unless it starts
// with "/".
func (c *ConsoleCtx) Link(to string) string {
	if c == nil || strings.HasPrefix(to, "/") {
		return to
	}
	return "/mp/a/" + strconv.FormatInt(c.Account.ID, 10) + "/" + to
}

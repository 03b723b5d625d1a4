package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/i18n"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/web"
	"github.com/heraldoa/herald/internal/webpush"
)

func (u *UI) loginForm(w http.ResponseWriter, r *http.Request) error {
	if web.Person(r) != nil {
		return u.Redirect(w, r, web.SafeNext(r.URL.Query().Get("next"), "/"), "")
	}
	p := u.NewPage(w, r, "Sign in", map[string]string{"Next": r.URL.Query().Get("next")})
	return u.Render(w, r, http.StatusOK, "auth/login", p)
}

func (u *UI) login(w http.ResponseWriter, r *http.Request) error {
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	login := strings.ToLower(strings.TrimSpace(r.PostForm.Get("login")))
	next := r.PostForm.Get("next")
	p := u.NewPage(w, r, "Sign in", map[string]string{"Next": next})
	ip := web.ClientIP(r)
	account, err := u.Users.LoginKey(r.Context(), login)
	if err != nil {
		return err
	}
	if err := u.CheckSignIn(r.Context(), account, ip); err != nil {
		return u.FormError(w, r, "auth/login", p, err)
	}
	person, err := u.Users.Authenticate(r.Context(), login, r.PostForm.Get("password"))
	if err != nil {
		if errs.KindOf(err) == errs.KindUnauthorized {
			if ferr := u.SignInFailed(r.Context(), account, ip); ferr != nil {
				return ferr
			}
		}
		return u.FormError(w, r, "auth/login", p, err)
	}
	if err := u.SignInSucceeded(r.Context(), account, ip); err != nil {
		return err
	}
	if err := u.Sessions.SignIn(w, r, person); err != nil {
		return err
	}
	fallback := "/"
	if person.IsStaff() {
		fallback = "/admin/"
	}
	return u.Redirect(w, r, web.SafeNext(next, fallback), "")
}

func (u *UI) signupForm(w http.ResponseWriter, r *http.Request) error {
	p := u.NewPage(w, r, "Create your account", map[string]string{"Next": r.URL.Query().Get("next")})
	return u.Render(w, r, http.StatusOK, "auth/signup", p)
}

func (u *UI) signup(w http.ResponseWriter, r *http.Request) error {
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	next := r.PostForm.Get("next")
	p := u.NewPage(w, r, "Create your account", map[string]string{"Next": next})
	if err := u.AllowSignup(r.Context(), web.ClientIP(r)); err != nil {
		return u.FormError(w, r, "auth/signup", p, err)
	}
	if r.PostForm.Get("password") != r.PostForm.Get("password2") {
		return u.FormError(w, r, "auth/signup", p, errs.FieldInvalid("password2", "The two passwords differ."))
	}
	person, err := u.Users.Create(r.Context(), user.NewPerson{
		Username:    r.PostForm.Get("username"),
		Email:       r.PostForm.Get("email"),
		DisplayName: r.PostForm.Get("display_name"),
		Password:    r.PostForm.Get("password"),
		Language:    u.Lang(r).Setting(), // the language they signed up in
	})
	if err != nil {
		return u.FormError(w, r, "auth/signup", p, err)
	}
	if err := u.Sessions.SignIn(w, r, person); err != nil {
		return err
	}
	return u.Redirect(w, r, web.SafeNext(next, "/"), u.T(r, "Welcome to Herald, %s.", person.DisplayName))
}

// logout ends the session and stops this browser's notifications: the
// server forgets its push subscription (named by the cookie set when it
// subscribed, and by the endpoint the page's script adds to the form after
// unsubscribing in the browser), so a signed-out browser is not notified of
// the person's messages.
func (u *UI) logout(w http.ResponseWriter, r *http.Request) error {
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	if me := web.Person(r); me != nil && u.WebPush != nil {
		var subID int64
		if c, err := r.Cookie(webpush.DeviceCookie); err == nil {
			subID, _ = strconv.ParseInt(c.Value, 10, 64)
		}
		endpoint := r.PostForm.Get("push_endpoint")
		if len(endpoint) > 2048 {
			endpoint = ""
		}
		if err := u.WebPush.ForgetDevice(r.Context(), me.ID, subID, endpoint); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: webpush.DeviceCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: u.Sessions.Secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	if err := u.Sessions.SignOut(w, r); err != nil {
		return err
	}
	return u.Redirect(w, r, "/login", "You are signed out.")
}

// setLanguage is the footer's language switcher: it keeps the choice in a
// cookie for the browser and, for a signed-in person, in their setting, then
// goes back to the page it was chosen on.
func (u *UI) setLanguage(w http.ResponseWriter, r *http.Request) error {
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	l, ok := i18n.Parse(r.PostForm.Get("lang"))
	if !ok {
		return errs.Invalidf("Choose a language from the list.")
	}
	if me := web.Person(r); me != nil {
		if err := u.Users.SetLanguage(r.Context(), me.ID, l.Setting()); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: core.LangCookie, Value: string(l), Path: "/", Secure: u.Sessions.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: 400 * 24 * 3600})
	http.Redirect(w, r, web.SafeNext(r.PostForm.Get("next"), "/"), http.StatusSeeOther)
	return nil
}

func (u *UI) meForm(w http.ResponseWriter, r *http.Request) error {
	p := u.NewPage(w, r, "Me", nil)
	return u.Render(w, r, http.StatusOK, "app/me", p)
}

func (u *UI) meSave(w http.ResponseWriter, r *http.Request) error {
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	me := web.Person(r)
	err := u.Users.UpdateProfile(r.Context(), me.ID, user.Profile{
		DisplayName: r.PostForm.Get("display_name"),
		Region:      r.PostForm.Get("region"),
		Language:    r.PostForm.Get("language"),
	})
	if err != nil {
		return u.FormError(w, r, "app/me", u.NewPage(w, r, "Me", nil), err)
	}
	return u.Redirect(w, r, "/me", "Profile saved.")
}

func (u *UI) mePassword(w http.ResponseWriter, r *http.Request) error {
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	me := web.Person(r)
	p := u.NewPage(w, r, "Me", nil)
	if r.PostForm.Get("new") != r.PostForm.Get("new2") {
		return u.FormError(w, r, "app/me", p, errs.FieldInvalid("new2", "The two new passwords differ."))
	}
	err := u.Users.ChangePassword(r.Context(), me.ID, r.PostForm.Get("current"), r.PostForm.Get("new"), web.SessionToken(r))
	if err != nil {
		if e, ok := err.(*errs.Error); ok && e.Field == "password" {
			e.Field = "new"
		}
		return u.FormError(w, r, "app/me", p, err)
	}
	return u.Redirect(w, r, "/me", "Password changed. Your other sessions are signed out.")
}

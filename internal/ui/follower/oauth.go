package follower

import (
	"net/http"
	"net/url"

	"github.com/heraldoa/herald/internal/oauth"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// Web sign-in (OAuth2): the authorize page a developer's web app
// sends a follower to, and the account's web sign-in domains in the
// console. The app routes /connect/oauth2/authorize here (it needs the
// session); the code exchange is the developer API's.
func (u *UI) registerOAuth(h core.Route) {
	if u.Developer.Settings == nil || u.Developer.OAuth == nil {
		return
	}
	h("GET /connect/oauth2/authorize", u.oauthAuthorize)
	h("POST /connect/oauth2/authorize", u.SignedIn(u.oauthAnswer))
}

type oauthConsentData struct {
	Az       *oauth.Authorize
	Avatar   string // the account's avatar URL, "" for none
	Verified bool
	Action   string // where Allow / Deny post to
}

type oauthErrorData struct {
	Code    int
	Message string
}

// oauthCheck checks the authorize request; ok is false when the error page
// was written.
func (u *UI) oauthCheck(w http.ResponseWriter, r *http.Request) (*oauth.Authorize, bool, error) {
	az, code, err := u.Developer.OAuth.CheckAuthorize(r.Context(), r.URL.Query())
	if err != nil {
		return nil, false, err
	}
	if code != 0 {
		p := u.NewPage(w, r, "Web sign-in error", &oauthErrorData{Code: code, Message: oauth.PageErrors[code]})
		return nil, false, u.Render(w, r, http.StatusBadRequest, "app/oauth_error", p)
	}
	return az, true, nil
}

// oauthAuthorize: snsapi_base signs a signed-in person in silently;
// snsapi_userinfo asks first. Signed-out people sign in and come back.
func (u *UI) oauthAuthorize(w http.ResponseWriter, r *http.Request) error {
	az, ok, err := u.oauthCheck(w, r)
	if !ok {
		return err
	}
	me := web.Person(r)
	if me == nil {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return nil
	}
	if az.Scope == oauth.ScopeBase {
		code, err := u.Developer.OAuth.IssueCode(r.Context(), az, me.ID)
		if err != nil {
			return err
		}
		http.Redirect(w, r, az.Redirect(code), http.StatusFound)
		return nil
	}
	d := &oauthConsentData{Az: az, Avatar: core.AccountAvatarURL(az.Account.ID, az.Account.AvatarPath),
		Verified: az.Account.Verified(u.Clock.Now()), Action: r.URL.RequestURI()}
	// Allow and Deny post here and are redirected to the web app, which
	// the browser only follows when form-action lists its origin.
	if ru, err := url.Parse(az.RedirectURI); err == nil {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; frame-ancestors 'self'; form-action 'self' "+ru.Scheme+"://"+ru.Host)
	}
	p := u.NewPage(w, r, u.T(r, "Sign in to %s", az.Account.Name), d)
	return u.Render(w, r, http.StatusOK, "app/oauth_consent", p)
}

// oauthAnswer is Allow (code and state) or Deny (state alone).
func (u *UI) oauthAnswer(w http.ResponseWriter, r *http.Request) error {
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	az, ok, err := u.oauthCheck(w, r)
	if !ok {
		return err
	}
	code := ""
	if r.PostForm.Get("decision") == "allow" {
		if code, err = u.Developer.OAuth.IssueCode(r.Context(), az, web.Person(r).ID); err != nil {
			return err
		}
	}
	http.Redirect(w, r, az.Redirect(code), http.StatusFound)
	return nil
}

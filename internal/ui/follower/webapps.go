package follower

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/analytics"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
	"github.com/heraldoa/herald/internal/webapp"
)

// openableApp finds a linked app that followers may open: its account is
// active, and (accountID != 0) it is that account's.
func (u *UI) openableApp(r *http.Request, accountID int64, appid string) (*webapp.App, error) {
	app, err := u.WebApps.ByAppID(r.Context(), accountID, appid)
	if err != nil {
		return nil, err
	}
	a, err := u.Accounts.ByID(r.Context(), app.AccountID)
	if err != nil {
		return nil, err
	}
	if a.Status != account.StatusActive {
		return nil, webapp.ErrNotFound
	}
	return app, nil
}

// recordWebAppOpen counts an open and records it for analytics.
func (u *UI) recordWebAppOpen(r *http.Request, app *webapp.App, from string) {
	if err := u.WebApps.CountOpen(r.Context(), app); err != nil {
		u.Log.Error("count web app open", "appid", app.AppID, "error", err)
	}
	u.Analytics.Record(analytics.Event{AccountID: app.AccountID, Kind: analytics.KindWebAppOpen, PersonID: viewerID(r), ObjectID: app.ID,
		Surface: from, Device: analytics.DeviceClass(r.UserAgent())})
}

// webAppOpen: /w/{appid}?from=profile|article&path=… opens a linked web
// app (at a page path inside it), counting the open. Anything it
// redirects to is the app's own URL or a page on the app's origin.
func (u *UI) webAppOpen(w http.ResponseWriter, r *http.Request) error {
	app, err := u.openableApp(r, 0, r.PathValue("appid"))
	if err != nil {
		return err
	}
	from := r.URL.Query().Get("from")
	switch from {
	case webAppFromProfile, webAppFromArticle:
	default:
		from = webAppFromLink
	}
	u.recordWebAppOpen(r, app, from)
	http.Redirect(w, r, app.Page(r.URL.Query().Get("path")), http.StatusSeeOther)
	return nil
}

func (u *UI) webAppIcon(w http.ResponseWriter, r *http.Request) error {
	app, err := u.openableApp(r, 0, r.PathValue("appid"))
	if err != nil {
		return err
	}
	if app.IconKey == "" {
		return webapp.ErrNotFound
	}
	return media.Serve(w, r, u.Media, app.IconKey, app.IconType)
}

// eventViewMiniprogram is the push event of a miniprogram menu button
// (EventKey: the page path).
const eventViewMiniprogram = "view_miniprogram"

// chatWebApp opens a miniprogram button of the follower's menu: the
// account's linked web app at the button's page path, or, when the appid
// is not one of the account's linked apps, the button's url (WeChat's
// fallback). Only buttons the follower's menu really has are opened.
func (u *UI) chatWebApp(w http.ResponseWriter, r *http.Request) error {
	me := web.Person(r)
	a, err := u.pathAccount(r)
	if err != nil {
		return err
	}
	appid, pagepath := r.URL.Query().Get("appid"), r.URL.Query().Get("pagepath")
	buttons, err := u.followerMenu(r, a)
	if err != nil {
		return err
	}
	var btn *core.MenuButton
	var find func([]core.MenuButton)
	find = func(bs []core.MenuButton) {
		for i := range bs {
			if btn == nil && bs[i].Type == "miniprogram" && bs[i].AppID == appid && bs[i].PagePath == pagepath {
				btn = &bs[i]
			}
			find(bs[i].SubButtons)
		}
	}
	find(buttons)
	if appid == "" || btn == nil {
		return errs.NotFoundf("This menu button has changed. Go back to the conversation and try again.")
	}
	target := btn.URL
	app, err := u.openableApp(r, a.ID, appid)
	switch {
	case err == nil:
		target = app.Page(pagepath)
		u.recordWebAppOpen(r, app, webAppFromMenu)
	case !errors.Is(err, errs.NotFound):
		return err
	}
	if pu, err := url.Parse(target); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") {
		return errs.NotFoundf("This menu link cannot be opened.")
	}
	if ok, err := u.Follows.IsFollowing(r.Context(), a.ID, me.ID); err != nil {
		return err
	} else if ok {
		if err := u.sendEvent(r, a.ID, me.ID, eventViewMiniprogram, pagepath); err != nil {
			return err
		}
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// accountWebApps lists the linked web apps a follower sees on a profile.
func (u *UI) accountWebApps(r *http.Request, a *account.Account) ([]*webapp.App, error) {
	if u.WebApps == nil || a.Status != account.StatusActive {
		return nil, nil
	}
	return u.WebApps.List(r.Context(), a.ID)
}

// registerWebAppOpen adds opening a linked web app.
func (u *UI) registerWebAppOpen(h core.Route) {
	if u.WebApps == nil {
		return
	}
	h("GET /w/{appid}", u.webAppOpen)
	h("GET /w/{appid}/icon", u.webAppIcon)
	h("GET /chat/{account}/app", u.SignedIn(u.chatWebApp))
}

// Where a linked web app was opened from (analytics surface).
const (
	webAppFromProfile = "profile"
	webAppFromMenu    = "menu"
	webAppFromArticle = "article"
	webAppFromLink    = "link"
)

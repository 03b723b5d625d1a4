package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/webapp"
)

// Linked web apps (Herald's "mini-programs"): the console page
// where owners and admins link, edit and unlink web apps; the follower's
// way in from the profile (/w/{appid}?from=profile), an article
// (/w/{appid}, placed as a Markdown link) and the menu
// (/chat/{account}/app, for miniprogram buttons). See docs/payments.md.

func (u *UI) registerWebApps(h core.Route) {
	if u.WebApps == nil {
		return
	}
	u.AddNav(core.NavItem{Label: "Web apps", Path: "webapps", Action: account.ActDeveloper, Order: 62})
	dev := u.Member(account.ActDeveloper)
	list := core.View{Title: "Web apps", Template: "mp/webapps", Load: u.loadWebApps}
	edit := core.View{Template: "mp/webapp", Load: u.loadWebApp}
	noApp := func(*http.Request, *core.ConsoleCtx) (*webapp.App, error) { return nil, nil }
	h("GET /mp/a/{account}/webapps", u.Get(dev, list))
	h("POST /mp/a/{account}/webapps", core.Post(u.UI, dev, core.Form[*webapp.App]{View: list, Read: readWebApp, Parse: noApp, Do: u.webAppSave}))
	h("GET /mp/a/{account}/webapps/{app}", u.Get(dev, edit))
	h("POST /mp/a/{account}/webapps/{app}", core.Post(u.UI, dev, core.Form[*webapp.App]{View: edit, Read: readWebApp, Parse: u.webAppInPath, Do: u.webAppSave}))
	h("POST /mp/a/{account}/webapps/{app}/unlink", core.Post(u.UI, dev, core.Form[*webapp.App]{Parse: u.webAppInPath, Do: u.webAppUnlink}))
}

var webAppIcon = media.Kind{Name: "icon", Types: []string{"image/jpeg", "image/png", "image/webp", "image/gif"}, MaxBytes: 1 << 20}

type webAppRow struct {
	*webapp.App
	OnDomain bool // the app's host is still a web sign-in domain
}

type webAppsData struct {
	Service  bool
	Reason   string
	Verified bool
	Apps     []webAppRow
	Domains  []string
	Max      int
	Edit     *webapp.App // the app being edited, nil on the list
}

func (u *UI) webAppsLoad(r *http.Request, c *core.ConsoleCtx, edit *webapp.App) (*webAppsData, error) {
	ctx := r.Context()
	d := &webAppsData{Service: c.Account.IsService(), Verified: c.Account.Verified(u.Clock.Now()), Max: webapp.MaxApps, Edit: edit}
	if !d.Service {
		d.Reason = core.MessageIn(webapp.ErrSubscription, u.Locale(r))
	}
	var err error
	if d.Domains, err = u.WebApps.Domains(ctx, c.Account.ID); err != nil {
		return nil, err
	}
	apps, err := u.WebApps.List(ctx, c.Account.ID)
	if err != nil {
		return nil, err
	}
	for _, a := range apps {
		row := webAppRow{App: a}
		for _, h := range d.Domains {
			if strings.EqualFold(h, a.Host()) {
				row.OnDomain = true
			}
		}
		d.Apps = append(d.Apps, row)
	}
	return d, nil
}

func (u *UI) loadWebApps(r *http.Request, p *core.Page) error {
	d, err := u.webAppsLoad(r, p.Console, nil)
	p.Data = d
	return err
}

// webAppInPath reads the app named in the path.
func (u *UI) webAppInPath(r *http.Request, c *core.ConsoleCtx) (*webapp.App, error) {
	return core.InPath(r, c.Account.ID, "app", u.WebApps.Get)
}

// loadWebApp fills the page of one app, the form with its name and link
// when it is first shown.
func (u *UI) loadWebApp(r *http.Request, p *core.Page) error {
	app, err := u.webAppInPath(r, p.Console)
	if err != nil {
		return err
	}
	d, err := u.webAppsLoad(r, p.Console, app)
	if err != nil {
		return err
	}
	p.Title, p.Data = app.Name, d
	if p.Form == nil {
		p.Form = url.Values{"name": {app.Name}, "url": {app.URL}}
	}
	return nil
}

// readWebApp limits the app form (name, link and an icon of at most 1 MB);
// webAppSave reads it, so that an icon too large is shown on the form.
func readWebApp(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 2<<20)
	return nil
}

// webAppSave links a new app (current nil) or saves an edit.
func (u *UI) webAppSave(r *http.Request, c *core.ConsoleCtx, current *webapp.App) (core.Done, error) {
	if err := r.ParseMultipartForm(2 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		if r.PostForm == nil {
			r.PostForm = url.Values{}
		}
		return core.Done{}, errs.FieldInvalid("icon", "The icon is larger than 1 MB.")
	}
	in := webapp.Input{Name: r.PostFormValue("name"), URL: r.PostFormValue("url")}
	if f, _, err := r.FormFile("icon"); err == nil {
		defer f.Close()
		saved, err := media.Save(r.Context(), u.Media, fmt.Sprintf("webapps/%d", c.Account.ID), webAppIcon, f)
		if err != nil {
			return core.Done{}, errs.FieldInvalid("icon", "%s", errs.Message(err))
		}
		in.IconKey, in.IconType = saved.Key, saved.ContentType
	}
	var app *webapp.App
	var err error
	if current == nil {
		app, err = u.WebApps.Link(r.Context(), c.Account, in)
	} else {
		_, app, err = u.WebApps.Update(r.Context(), c.Account, current.ID, in)
	}
	if err != nil {
		if in.IconKey != "" {
			_ = u.Media.Delete(r.Context(), in.IconKey)
		}
		return core.Done{}, err
	}
	if current != nil && in.IconKey != "" && current.IconKey != "" && current.IconKey != in.IconKey {
		_ = u.Media.Delete(r.Context(), current.IconKey)
	}
	msg := u.T(r, "%s is linked. Its appid is %s.", app.Name, app.AppID)
	if current != nil {
		msg = u.T(r, "%s saved.", app.Name)
	}
	return core.Done{To: "webapps", Flash: msg}, nil
}

func (u *UI) webAppUnlink(r *http.Request, c *core.ConsoleCtx, app *webapp.App) (core.Done, error) {
	if _, err := u.WebApps.Unlink(r.Context(), c.Account.ID, app.ID); err != nil {
		return core.Done{}, err
	}
	if app.IconKey != "" {
		_ = u.Media.Delete(r.Context(), app.IconKey)
	}
	return core.Done{To: "webapps", Flash: u.T(r, "%s is unlinked. Menu buttons that named it now open their fallback link.", app.Name)}, nil
}

// menuWebApp checks a miniprogram button of the console's menu editor: its
// appid must be one of the account's linked web apps. An empty page path
// is the app's own page, and an empty link (the fallback for clients that
// cannot open the app) is the page's address. The developer API takes any
// appid, as WeChat's does, and followers then get the fallback link.
func (u *UI) menuWebApp(r *http.Request, accountID int64, prefix string, b *menu.Button) error {
	if u.WebApps == nil {
		return nil
	}
	app, err := u.WebApps.ByAppID(r.Context(), accountID, b.AppID)
	if errors.Is(err, errs.NotFound) {
		return &menu.Error{Code: 40013, Err: errs.FieldInvalid(prefix+".appid", "%s: choose one of the account's linked web apps (link it under Web apps first).", b.Name)}
	}
	if err != nil {
		return err
	}
	if b.PagePath == "" {
		if pu, err := url.Parse(app.URL); err == nil {
			b.PagePath = pu.RequestURI()
		}
	}
	if b.URL == "" {
		b.URL = app.Page(b.PagePath)
	}
	r.PostForm.Set(prefix+".pagepath", b.PagePath)
	r.PostForm.Set(prefix+".url", b.URL)
	return nil
}

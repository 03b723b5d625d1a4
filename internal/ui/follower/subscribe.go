package follower

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/subscribemsg"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// Subscription-notification consent sheets: the sheet a web app or an
// article opens (/subscribe-notifications) with "always allow", and the
// legacy one-time subscription page (/mp/subscribemsg).
func (u *UI) registerSubscribeSheets(h core.Route) {
	if u.Subscriptions == nil || u.WebApps == nil {
		return
	}
	h("GET /subscribe-notifications", u.SignedIn(u.subscribeSheet))
	h("POST /subscribe-notifications", u.SignedIn(u.subscribeAnswer))
	h("GET /mp/subscribemsg", u.SignedIn(u.legacySheet))
	h("POST /mp/subscribemsg", u.SignedIn(u.legacyAnswer))
}

var errSheet = errs.Invalidf("This notification request is not valid: the page that sent you here has a mistake.")

// sheetAccount is the active, verified Service account of appid that the
// signed-in person follows.
func (u *UI) sheetAccount(r *http.Request, appid string) (*account.Account, error) {
	a, err := u.Accounts.ByAppID(r.Context(), appid)
	if err != nil || a.Status != account.StatusActive || !a.IsService() || !a.Verified(u.Clock.Now()) {
		return nil, errSheet
	}
	f, err := u.Follows.Get(r.Context(), a.ID, web.Person(r).ID)
	if err != nil || !f.Following {
		return nil, errs.Conflictf("Follow %s first to receive its notifications.", a.Name)
	}
	return a, nil
}

// returnURL checks where the sheet returns to: a page on the account's web
// sign-in domains, or one of Herald's own pages (an article).
func (u *UI) returnURL(r *http.Request, a *account.Account, raw string) (*url.URL, error) {
	if raw == "" {
		return &url.URL{Path: "/"}, nil
	}
	ref, err := url.Parse(raw)
	if err != nil {
		return nil, errSheet
	}
	if ref.Scheme == "" && ref.Host == "" && strings.HasPrefix(ref.Path, "/") && !strings.HasPrefix(raw, "//") && !strings.Contains(raw, `\`) {
		return ref, nil
	}
	if ref.Scheme != "http" && ref.Scheme != "https" {
		return nil, errSheet
	}
	if ok, err := u.WebApps.OnDomain(r.Context(), a.ID, raw); err != nil || !ok {
		return nil, errSheet
	}
	return ref, nil
}

// allowForm lets the answer's redirect reach the web app's origin.
func allowForm(w http.ResponseWriter, ref *url.URL) {
	extra := ""
	if ref.Host != "" {
		extra = " " + ref.Scheme + "://" + ref.Host
	}
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; frame-ancestors 'self'; form-action 'self'"+extra)
}

func withQuery(ref *url.URL, kv ...string) string {
	out := *ref
	q := out.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	out.RawQuery = q.Encode()
	return out.String()
}

type sheetData struct {
	Account   *account.Account
	Avatar    string
	Templates []*subscribemsg.Template
	Action    string
	Return    string
}

type sheetRequest struct {
	a      *account.Account
	ids    []string
	scene  int
	ret    *url.URL
	action string
}

func (u *UI) readSheet(r *http.Request) (*sheetRequest, error) {
	q := r.URL.Query()
	a, err := u.sheetAccount(r, q.Get("appid"))
	if err != nil {
		return nil, err
	}
	sr := &sheetRequest{a: a, scene: subscribemsg.SceneWebPage, action: r.URL.RequestURI()}
	if q.Get("scene") == "article" {
		sr.scene = subscribemsg.SceneArticle
	}
	for _, id := range strings.Split(q.Get("template_id"), ",") {
		if id = strings.TrimSpace(id); id != "" {
			sr.ids = append(sr.ids, id)
		}
	}
	if len(sr.ids) == 0 || len(sr.ids) > 3 {
		return nil, errSheet
	}
	if sr.ret, err = u.returnURL(r, a, q.Get("redirect_url")); err != nil {
		return nil, err
	}
	return sr, nil
}

// subscribeSheet: GET /subscribe-notifications?appid=&template_id=a,b&scene=web|article&redirect_url=
// shows the templates to accept (at most 3, as WeChat's sheet). Templates
// answered with "always allow" before are answered again without asking;
// when none is left to ask, the follower goes straight back.
func (u *UI) subscribeSheet(w http.ResponseWriter, r *http.Request) error {
	sr, err := u.readSheet(r)
	if err != nil {
		return err
	}
	me := web.Person(r)
	ask, err := u.Subscriptions.Ask(r.Context(), sr.a.ID, me.ID, sr.ids)
	if err != nil {
		return errSheet // an id that is not one of the account's templates
	}
	if len(ask) < len(sr.ids) {
		var remembered []string
		asked := map[string]bool{}
		for _, t := range ask {
			asked[t.PriTmplID] = true
		}
		for _, id := range sr.ids {
			if !asked[id] {
				remembered = append(remembered, id)
			}
		}
		if err := u.Subscriptions.Remember(r.Context(), sr.a, me.ID, remembered, sr.scene); err != nil {
			return err
		}
	}
	if len(ask) == 0 {
		http.Redirect(w, r, withQuery(sr.ret, "subscribe", "ok"), http.StatusFound)
		return nil
	}
	allowForm(w, sr.ret)
	d := &sheetData{Account: sr.a, Avatar: core.AccountAvatarURL(sr.a.ID, sr.a.AvatarPath), Templates: ask, Action: sr.action, Return: sr.ret.String()}
	return u.Render(w, r, http.StatusOK, "app/subscribe_sheet", u.NewPage(w, r, u.T(r, "Notifications from %s", sr.a.Name), d))
}

// subscribeAnswer records the sheet: each template shown accepted when its
// box is ticked (rejected otherwise), "always" kept; Cancel records
// nothing. It returns to the page with subscribe=ok or cancel.
func (u *UI) subscribeAnswer(w http.ResponseWriter, r *http.Request) error {
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	sr, err := u.readSheet(r)
	if err != nil {
		return err
	}
	allowForm(w, sr.ret)
	if r.PostForm.Get("decision") != "allow" {
		http.Redirect(w, r, withQuery(sr.ret, "subscribe", "cancel"), http.StatusFound)
		return nil
	}
	me := web.Person(r)
	ask, err := u.Subscriptions.Ask(r.Context(), sr.a.ID, me.ID, sr.ids)
	if err != nil {
		return errSheet
	}
	accepted := map[string]bool{}
	for _, id := range r.PostForm["accept"] {
		accepted[id] = true
	}
	var ds []subscribemsg.Decision
	for _, t := range ask {
		ds = append(ds, subscribemsg.Decision{TemplateID: t.PriTmplID, Accept: accepted[t.PriTmplID]})
	}
	if len(ds) > 0 {
		if err := u.Subscriptions.Subscribe(r.Context(), sr.a, me.ID, ds, r.PostForm.Get("always") == "1", sr.scene); err != nil {
			return err
		}
	}
	http.Redirect(w, r, withQuery(sr.ret, "subscribe", "ok"), http.StatusFound)
	return nil
}

type legacyData struct {
	Account *account.Account
	Avatar  string
	Action  string
	Return  string
}

// legacyRequest reads /mp/subscribemsg?action=get_confirm&appid=&scene=&template_id=&redirect_url=&reserved=.
func (u *UI) legacyRequest(r *http.Request) (*account.Account, *url.URL, error) {
	q := r.URL.Query()
	a, err := u.sheetAccount(r, q.Get("appid"))
	if err != nil {
		return nil, nil, err
	}
	if q.Get("template_id") == "" || len(q.Get("scene")) > 10 || len(q.Get("reserved")) > 128 || q.Get("redirect_url") == "" {
		return nil, nil, errSheet
	}
	ret, err := u.returnURL(r, a, q.Get("redirect_url"))
	return a, ret, err
}

// legacySheet asks to receive one message (WeChat's 一次性订阅消息).
func (u *UI) legacySheet(w http.ResponseWriter, r *http.Request) error {
	a, ret, err := u.legacyRequest(r)
	if err != nil {
		return err
	}
	allowForm(w, ret)
	d := &legacyData{Account: a, Avatar: core.AccountAvatarURL(a.ID, a.AvatarPath), Action: r.URL.RequestURI(), Return: ret.String()}
	return u.Render(w, r, http.StatusOK, "app/subscribemsg", u.NewPage(w, r, u.T(r, "Receive a message from %s", a.Name), d))
}

// legacyAnswer records the answer and returns to redirect_url with openid,
// template_id, action (confirm or cancel), scene and reserved.
func (u *UI) legacyAnswer(w http.ResponseWriter, r *http.Request) error {
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	a, ret, err := u.legacyRequest(r)
	if err != nil {
		return err
	}
	allowForm(w, ret)
	q := r.URL.Query()
	accept := r.PostForm.Get("decision") == "confirm"
	me := web.Person(r)
	if err := u.Subscriptions.ConfirmLegacy(r.Context(), a, me.ID, q.Get("template_id"), q.Get("scene"), accept); err != nil {
		return err
	}
	f, err := u.Follows.Get(r.Context(), a.ID, me.ID)
	if err != nil {
		return err
	}
	action := "cancel"
	if accept {
		action = "confirm"
	}
	http.Redirect(w, r, withQuery(ret, "openid", f.OpenID, "template_id", q.Get("template_id"), "action", action,
		"scene", q.Get("scene"), "reserved", q.Get("reserved")), http.StatusFound)
	return nil
}

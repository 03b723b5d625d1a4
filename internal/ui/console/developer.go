package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/push"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/wx/wxcrypt"
)

func (u *UI) registerDeveloper(h core.Route) {
	if u.Developer.Settings == nil {
		return
	}
	h("GET /mp/a/{account}/dev", u.devPage)
	h("POST /mp/a/{account}/dev", u.devSave)
	h("GET /mp/a/{account}/dev/pushes", u.devPushes)
	h("GET /mp/a/{account}/dev/pushes/{id}", u.devPush)
	h("POST /mp/a/{account}/dev/pushes/{id}/replay", u.devReplay)
	u.AddNav(core.NavItem{Label: "Developer", Path: "dev", Action: account.ActDeveloper, Order: 60})
	u.registerOAuthDomains(h)
}

type devData struct {
	Settings *push.Settings
	APIBase  string
	Modes    []string
}

func (u *UI) devForm(set *push.Settings) map[string][]string {
	enabled := ""
	if set.Enabled {
		enabled = "on"
	}
	return map[string][]string{"url": {set.URL}, "token": {set.Token}, "aes_key": {set.AESKey}, "mode": {set.Mode},
		"enabled": {enabled}, "ip_allowlist": {set.IPAllowlist}}
}

func (u *UI) devRender(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx, p *core.Page, set *push.Settings) error {
	p.Console = c
	p.Data = &devData{Settings: set, APIBase: strings.TrimSuffix(u.BaseURL, "/"), Modes: []string{push.Plaintext, push.Compatible, push.Safe}}
	return u.Render(w, r, http.StatusOK, "mp/dev", p)
}

func (u *UI) devPage(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActDeveloper)
	if err != nil {
		return err
	}
	set, err := u.Developer.Settings.Get(r.Context(), c.Account.ID)
	if err != nil {
		return err
	}
	p := u.NewPage(w, r, "Developer", nil)
	p.Form = u.devForm(set)
	return u.devRender(w, r, c, p, set)
}

func (u *UI) devSave(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActDeveloper)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	old, err := u.Developer.Settings.Get(r.Context(), c.Account.ID)
	if err != nil {
		return err
	}
	f := r.PostForm
	set := &push.Settings{AccountID: c.Account.ID, URL: f.Get("url"), Token: f.Get("token"), AESKey: f.Get("aes_key"),
		Mode: f.Get("mode"), Enabled: f.Get("enabled") != "", IPAllowlist: f.Get("ip_allowlist"), VerifiedAt: old.VerifiedAt}
	p := u.NewPage(w, r, "Developer", nil)
	p.Console = c
	p.Data = &devData{Settings: old, APIBase: strings.TrimSuffix(u.BaseURL, "/"), Modes: []string{push.Plaintext, push.Compatible, push.Safe}}
	if f.Get("generate") != "" {
		// Fill in a new key; nothing is saved until the form is submitted.
		f.Set("aes_key", wxcrypt.GenerateEncodingAESKey())
		p.Form = f
		p.Flash = "A new EncodingAESKey was generated. Save to use it, and put the same key on your server."
		return u.Render(w, r, http.StatusOK, "mp/dev", p)
	}
	if f.Get("token_generate") != "" {
		f.Set("token", wxcrypt.GenerateEncodingAESKey()[:32])
		p.Form = f
		p.Flash = "A new Token was generated. Save to use it, and put the same Token on your server."
		return u.Render(w, r, http.StatusOK, "mp/dev", p)
	}
	if err := push.Validate(set); err != nil {
		return u.FormError(w, r, "mp/dev", p, err)
	}
	verified := false
	changed := set.URL != old.URL || set.Token != old.Token || old.VerifiedAt.IsZero()
	if set.Enabled && set.URL != "" && (changed || f.Get("verify") != "") {
		if _, err := u.Developer.Push.Verify(r.Context(), c.Account, set); err != nil {
			return u.FormError(w, r, "mp/dev", p, err)
		}
		verified = true
	}
	if err := u.Developer.Settings.Save(r.Context(), set, verified); err != nil {
		return u.FormError(w, r, "mp/dev", p, err)
	}
	if u.Developer.API != nil {
		u.Developer.API.ForgetAccount(c.Account.ID)
	}
	msg := "Developer settings saved."
	switch {
	case verified:
		msg = "Your server answered the verification. Message push is on."
	case !set.Enabled:
		msg = "Developer settings saved. Message push is off; auto-replies answer followers."
	}
	return u.Redirect(w, r, fmt.Sprintf("/mp/a/%d/dev", c.Account.ID), msg)
}

type pushesData struct {
	Deliveries []*push.Delivery
	FailedOnly bool
	Next       int64
	Settings   *push.Settings
}

func (u *UI) devPushes(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActDeveloper)
	if err != nil {
		return err
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	failed := r.URL.Query().Get("failed") != ""
	const n = 50
	list, err := u.Developer.Settings.Deliveries(r.Context(), c.Account.ID, before, failed, n)
	if err != nil {
		return err
	}
	set, err := u.Developer.Settings.Get(r.Context(), c.Account.ID)
	if err != nil {
		return err
	}
	d := &pushesData{Deliveries: list, FailedOnly: failed, Settings: set}
	if len(list) == n {
		d.Next = list[len(list)-1].ID
	}
	p := u.NewPage(w, r, "Push log", d)
	p.Console = c
	return u.Render(w, r, http.StatusOK, "mp/dev_pushes", p)
}

func (u *UI) devDelivery(r *http.Request, c *core.ConsoleCtx) (*push.Delivery, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, errs.NotFoundf("No such delivery.")
	}
	return u.Developer.Settings.Delivery(r.Context(), c.Account.ID, id)
}

func (u *UI) devPush(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActDeveloper)
	if err != nil {
		return err
	}
	d, err := u.devDelivery(r, c)
	if err != nil {
		return err
	}
	p := u.NewPage(w, r, "Delivery", d)
	p.Console = c
	return u.Render(w, r, http.StatusOK, "mp/dev_push", p)
}

func (u *UI) devReplay(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActDeveloper)
	if err != nil {
		return err
	}
	d, err := u.devDelivery(r, c)
	if err != nil {
		return err
	}
	nd, err := u.Developer.Push.Replay(r.Context(), c.Account.ID, d.ID)
	if err != nil {
		return err
	}
	msg := "Replayed: your server answered."
	if !nd.OK {
		msg = "Replayed: the delivery failed again. The steps below say why."
	}
	return u.Redirect(w, r, fmt.Sprintf("/mp/a/%d/dev/pushes/%d", c.Account.ID, nd.ID), msg)
}

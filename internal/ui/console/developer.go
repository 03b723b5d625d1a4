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
	dev := u.Member(account.ActDeveloper)
	h("GET /mp/a/{account}/dev", u.Get(dev, u.devView()))
	h("POST /mp/a/{account}/dev", u.In(dev, u.devSave))
	h("GET /mp/a/{account}/dev/pushes", u.Get(dev, core.View{Title: "Push log", Template: "mp/dev_pushes", Load: u.loadPushes}))
	h("GET /mp/a/{account}/dev/pushes/{id}", u.Get(dev, core.View{Title: "Delivery", Template: "mp/dev_push", Load: u.loadDelivery}))
	h("POST /mp/a/{account}/dev/pushes/{id}/replay", core.Post(u.UI, dev, core.Form[*push.Delivery]{Parse: u.devDelivery, Do: u.devReplay}))
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

func (u *UI) devView() core.View {
	return core.View{Title: "Developer", Template: "mp/dev", Load: u.loadDev}
}

// loadDev fills the developer page, the form with the saved settings when
// it is first shown.
func (u *UI) loadDev(r *http.Request, p *core.Page) error {
	set, err := u.Developer.Settings.Get(r.Context(), p.Console.Account.ID)
	if err != nil {
		return err
	}
	if p.Form == nil {
		p.Form = u.devForm(set)
	}
	p.Data = &devData{Settings: set, APIBase: strings.TrimSuffix(u.BaseURL, "/"), Modes: []string{push.Plaintext, push.Compatible, push.Safe}}
	return nil
}

func (u *UI) devSave(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx) error {
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
	// Generating a key or a token fills the form; nothing is saved until
	// the form is submitted.
	generated := ""
	switch {
	case f.Get("generate") != "":
		f.Set("aes_key", wxcrypt.GenerateEncodingAESKey())
		generated = "A new EncodingAESKey was generated. Save to use it, and put the same key on your server."
	case f.Get("token_generate") != "":
		f.Set("token", wxcrypt.GenerateEncodingAESKey()[:32])
		generated = "A new Token was generated. Save to use it, and put the same Token on your server."
	}
	if generated != "" {
		p := u.NewPage(w, r, "Developer", nil)
		p.Console, p.Form = c, f
		if err := u.loadDev(r, p); err != nil {
			return err
		}
		p.Flash = u.Locale(r).Text(generated)
		return u.Render(w, r, http.StatusOK, "mp/dev", p)
	}
	verified, err := u.devApply(r, c, old, set)
	if err != nil {
		return u.Show(w, r, c, u.devView(), err)
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

// devApply validates and saves the developer settings, first asking the
// developer's server to answer the verification when its address or token
// changed (or the form asks to verify again); verified says whether it
// answered.
func (u *UI) devApply(r *http.Request, c *core.ConsoleCtx, old, set *push.Settings) (verified bool, err error) {
	if err := push.Validate(set); err != nil {
		return false, err
	}
	changed := set.URL != old.URL || set.Token != old.Token || old.VerifiedAt.IsZero()
	if set.Enabled && set.URL != "" && (changed || r.PostForm.Get("verify") != "") {
		if _, err := u.Developer.Push.Verify(r.Context(), c.Account, set); err != nil {
			return false, err
		}
		verified = true
	}
	if err := u.Developer.Settings.Save(r.Context(), set, verified); err != nil {
		return false, err
	}
	if u.Developer.API != nil {
		u.Developer.API.ForgetAccount(c.Account.ID)
	}
	return verified, nil
}

type pushesData struct {
	Deliveries []*push.Delivery
	FailedOnly bool
	Next       int64
	Settings   *push.Settings
}

func (u *UI) loadPushes(r *http.Request, p *core.Page) error {
	c := p.Console
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
	p.Data = d
	return nil
}

// devDelivery reads the delivery named in the path.
func (u *UI) devDelivery(r *http.Request, c *core.ConsoleCtx) (*push.Delivery, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, errs.NotFoundf("No such delivery.")
	}
	return u.Developer.Settings.Delivery(r.Context(), c.Account.ID, id)
}

func (u *UI) loadDelivery(r *http.Request, p *core.Page) error {
	d, err := u.devDelivery(r, p.Console)
	p.Data = d
	return err
}

func (u *UI) devReplay(r *http.Request, c *core.ConsoleCtx, d *push.Delivery) (core.Done, error) {
	nd, err := u.Developer.Push.Replay(r.Context(), c.Account.ID, d.ID)
	if err != nil {
		return core.Done{}, err
	}
	msg := "Replayed: your server answered."
	if !nd.OK {
		msg = "Replayed: the delivery failed again. The steps below say why."
	}
	return core.Done{To: fmt.Sprintf("dev/pushes/%d", nd.ID), Flash: msg}, nil
}

package ui

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/push"
	"github.com/heraldoa/herald/internal/qrcode"
	"github.com/heraldoa/herald/internal/web"
	"github.com/heraldoa/herald/internal/wx/wxcrypt"
	"github.com/heraldoa/herald/internal/wxapi"
)

// Developer is what the developer pages need (issue #7): the developer's
// server settings, the push engine (handshake, replay), the API (to drop
// its cached account state after a save) and QR tickets for /q/{ticket}.
type Developer struct {
	Settings *push.Store
	Push     *push.Engine
	API      *wxapi.API
	QR       *qrcode.Store
}

func (u *UI) registerDeveloper(h route) {
	if u.Developer.Settings == nil {
		return
	}
	h("GET /mp/a/{account}/dev", u.devPage)
	h("POST /mp/a/{account}/dev", u.devSave)
	h("GET /mp/a/{account}/dev/pushes", u.devPushes)
	h("GET /mp/a/{account}/dev/pushes/{id}", u.devPush)
	h("POST /mp/a/{account}/dev/pushes/{id}/replay", u.devReplay)
	h("GET /q/{ticket}", u.qrScanPage)
	h("POST /q/{ticket}", u.signedIn(u.qrScan))
	u.addNav(navItem{Label: "Developer", Path: "dev", Action: account.ActDeveloper, Order: 60})
	u.registerOAuth(h)
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

func (u *UI) devRender(w http.ResponseWriter, r *http.Request, c *consoleCtx, p *page, set *push.Settings) error {
	p.Console = c
	p.Data = &devData{Settings: set, APIBase: strings.TrimSuffix(u.BaseURL, "/"), Modes: []string{push.Plaintext, push.Compatible, push.Safe}}
	return u.render(w, r, http.StatusOK, "mp/dev", p)
}

func (u *UI) devPage(w http.ResponseWriter, r *http.Request) error {
	c, err := u.consoleAccount(r, account.ActDeveloper)
	if err != nil {
		return err
	}
	set, err := u.Developer.Settings.Get(r.Context(), c.Account.ID)
	if err != nil {
		return err
	}
	p := u.newPage(w, r, "Developer", nil)
	p.Form = u.devForm(set)
	return u.devRender(w, r, c, p, set)
}

func (u *UI) devSave(w http.ResponseWriter, r *http.Request) error {
	c, err := u.consoleAccount(r, account.ActDeveloper)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	old, err := u.Developer.Settings.Get(r.Context(), c.Account.ID)
	if err != nil {
		return err
	}
	f := r.PostForm
	set := &push.Settings{AccountID: c.Account.ID, URL: f.Get("url"), Token: f.Get("token"), AESKey: f.Get("aes_key"),
		Mode: f.Get("mode"), Enabled: f.Get("enabled") != "", IPAllowlist: f.Get("ip_allowlist"), VerifiedAt: old.VerifiedAt}
	p := u.newPage(w, r, "Developer", nil)
	p.Console = c
	p.Data = &devData{Settings: old, APIBase: strings.TrimSuffix(u.BaseURL, "/"), Modes: []string{push.Plaintext, push.Compatible, push.Safe}}
	if f.Get("generate") != "" {
		// Fill in a new key; nothing is saved until the form is submitted.
		f.Set("aes_key", wxcrypt.GenerateEncodingAESKey())
		p.Form = f
		p.Flash = "A new EncodingAESKey was generated. Save to use it, and put the same key on your server."
		return u.render(w, r, http.StatusOK, "mp/dev", p)
	}
	if f.Get("token_generate") != "" {
		f.Set("token", wxcrypt.GenerateEncodingAESKey()[:32])
		p.Form = f
		p.Flash = "A new Token was generated. Save to use it, and put the same Token on your server."
		return u.render(w, r, http.StatusOK, "mp/dev", p)
	}
	if err := push.Validate(set); err != nil {
		return u.formError(w, r, "mp/dev", p, err)
	}
	verified := false
	changed := set.URL != old.URL || set.Token != old.Token || old.VerifiedAt.IsZero()
	if set.Enabled && set.URL != "" && (changed || f.Get("verify") != "") {
		if _, err := u.Developer.Push.Verify(r.Context(), c.Account, set); err != nil {
			return u.formError(w, r, "mp/dev", p, err)
		}
		verified = true
	}
	if err := u.Developer.Settings.Save(r.Context(), set, verified); err != nil {
		return u.formError(w, r, "mp/dev", p, err)
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
	return u.redirect(w, r, fmt.Sprintf("/mp/a/%d/dev", c.Account.ID), msg)
}

type pushesData struct {
	Deliveries []*push.Delivery
	FailedOnly bool
	Next       int64
	Settings   *push.Settings
}

func (u *UI) devPushes(w http.ResponseWriter, r *http.Request) error {
	c, err := u.consoleAccount(r, account.ActDeveloper)
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
	p := u.newPage(w, r, "Push log", d)
	p.Console = c
	return u.render(w, r, http.StatusOK, "mp/dev_pushes", p)
}

func (u *UI) devDelivery(r *http.Request, c *consoleCtx) (*push.Delivery, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, errs.NotFoundf("No such delivery.")
	}
	return u.Developer.Settings.Delivery(r.Context(), c.Account.ID, id)
}

func (u *UI) devPush(w http.ResponseWriter, r *http.Request) error {
	c, err := u.consoleAccount(r, account.ActDeveloper)
	if err != nil {
		return err
	}
	d, err := u.devDelivery(r, c)
	if err != nil {
		return err
	}
	p := u.newPage(w, r, "Delivery", d)
	p.Console = c
	return u.render(w, r, http.StatusOK, "mp/dev_push", p)
}

func (u *UI) devReplay(w http.ResponseWriter, r *http.Request) error {
	c, err := u.consoleAccount(r, account.ActDeveloper)
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
	return u.redirect(w, r, fmt.Sprintf("/mp/a/%d/dev/pushes/%d", c.Account.ID, nd.ID), msg)
}

type qrData struct {
	Ticket    *qrcode.Ticket
	Account   *account.Account
	Following bool
}

func (u *UI) qrTicket(r *http.Request) (*qrData, error) {
	t, err := u.Developer.QR.Get(r.Context(), r.PathValue("ticket"))
	if err != nil {
		return nil, err
	}
	a, err := u.Accounts.ByID(r.Context(), t.AccountID)
	if err != nil {
		return nil, err
	}
	d := &qrData{Ticket: t, Account: a}
	if me := web.Person(r); me != nil {
		if d.Following, err = u.Follows.IsFollowing(r.Context(), a.ID, me.ID); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// qrScanPage is where a scanned QR code leads: the account, with Follow
// (or Open chat when already following), as WeChat's scan result page.
func (u *UI) qrScanPage(w http.ResponseWriter, r *http.Request) error {
	d, err := u.qrTicket(r)
	if err != nil {
		return err
	}
	p := u.newPage(w, r, d.Account.Name, d)
	return u.render(w, r, http.StatusOK, "app/dev_qr", p)
}

// qrScan follows the account with the code's scene (subscribe event with
// EventKey qrscene_<scene> and the Ticket), or sends SCAN to a follower.
func (u *UI) qrScan(w http.ResponseWriter, r *http.Request) error {
	d, err := u.qrTicket(r)
	if err != nil {
		return err
	}
	me := web.Person(r)
	event := message.EventScan
	if !d.Following {
		res, err := u.Follows.Follow(r.Context(), d.Account.ID, me.ID, follow.SourceQR, d.Ticket.Scene)
		if err != nil {
			return err
		}
		if res.New {
			event = message.EventSubscribe
		}
	}
	in, err := u.Chat.Event(r.Context(), d.Account.ID, me.ID, event, d.Ticket.Scene, d.Ticket.Ticket)
	if err != nil && !errors.Is(err, errs.NotFound) {
		return err
	}
	if in != nil {
		u.Chat.RespondAsync(in)
	}
	flash := ""
	if event == message.EventSubscribe {
		flash = "You now follow " + d.Account.Name + "."
	}
	return u.redirect(w, r, fmt.Sprintf("/chat/%d", d.Account.ID), flash)
}

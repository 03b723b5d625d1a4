package follower

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/qrcode"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

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
	p := u.NewPage(w, r, d.Account.Name, d)
	return u.Render(w, r, http.StatusOK, "app/dev_qr", p)
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
	ev := message.FollowerEvent{Event: event, Key: d.Ticket.Scene, Ticket: d.Ticket.Ticket}
	if _, err := u.Chat.Act(r.Context(), d.Account.ID, me.ID, ev, message.NoWait); err != nil && !errors.Is(err, errs.NotFound) {
		return err
	}
	flash := ""
	if event == message.EventSubscribe {
		flash = u.T(r, "You now follow %s.", d.Account.Name)
	}
	return u.Redirect(w, r, fmt.Sprintf("/chat/%d", d.Account.ID), flash)
}

// registerQRScan adds the page a scanned QR code opens.
func (u *UI) registerQRScan(h core.Route) {
	if u.Developer.Settings == nil {
		return
	}
	h("GET /q/{ticket}", u.qrScanPage)
	h("POST /q/{ticket}", u.SignedIn(u.qrScan))
}

package admin

import (
	"net/http"
	"strings"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/pay"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

type walletsData struct {
	Credits []walletCredit
	Total   pay.Totals
	Err     string
}

type walletCredit struct {
	pay.Movement
	Person string
	Shown  int64 // + for a credit into the platform, − for a payout
}

func (u *UI) loadWallets(r *http.Request, p *core.Page) error {
	d := &walletsData{}
	moves, err := u.Pay.Movements(r.Context(), pay.OwnerExternal, 0, 50)
	if err != nil {
		return err
	}
	for _, m := range moves {
		c := walletCredit{Movement: m, Shown: -m.Amount}
		if m.PersonID != 0 {
			if person, err := u.Users.ByID(r.Context(), m.PersonID); err == nil {
				c.Person = "@" + person.Username
			}
		}
		d.Credits = append(d.Credits, c)
	}
	if d.Total, err = u.Pay.Check(r.Context()); err != nil {
		d.Err = err.Error()
	}
	p.Data = d
	return nil
}

func (u *UI) adminWalletCredit(r *http.Request, _ *core.ConsoleCtx, _ core.None) (core.Done, error) {
	person, err := u.PersonNamed(r, "username", errs.FieldInvalid("username", "There is no person with that username."))
	if err != nil {
		return core.Done{}, err
	}
	amount, err := pay.ParseFen(r.PostForm.Get("amount"), "amount")
	if err != nil {
		return core.Done{}, err
	}
	me := web.Person(r)
	memo := r.PostForm.Get("memo")
	if err := u.Pay.TopUp(r.Context(), me.ID, person.ID, amount, memo); err != nil {
		return core.Done{}, err
	}
	if u.Review != nil {
		detail := errs.Phrase{Format: "Credited %s to @%s's wallet.", Args: []any{errs.Content(pay.FormatFen(amount)), errs.Content(person.Username)}}
		if m := strings.TrimSpace(memo); m != "" {
			detail = errs.Phrase{Format: "%s Note: %s", Args: []any{detail, errs.Content(m)}}
		}
		if err := u.Review.Audit(r.Context(), me, "wallet.credit", 0, detail); err != nil {
			u.Log.Error("audit wallet credit", "error", err)
		}
	}
	return core.Done{To: "/admin/wallets", Flash: u.T(r, "Credited %s to %s.", u.Locale(r).Money(amount), person.DisplayName)}, nil
}

// registerWallets adds crediting follower wallets.
func (u *UI) registerWallets(h core.Route) {
	if u.Pay == nil {
		return
	}
	admins := u.StaffOnly("Only platform administrators can credit wallets.")
	view := core.View{Title: "Wallets", Template: "admin/wallets", Load: u.loadWallets}
	h("GET /admin/wallets", u.Get(admins, view))
	h("POST /admin/wallets", core.Post(u.UI, admins, core.Form[core.None]{View: view, Do: u.adminWalletCredit}))
}

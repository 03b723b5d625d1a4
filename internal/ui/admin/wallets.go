package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/heraldoa/herald/internal/db"
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

func (u *UI) adminOnly(r *http.Request) error {
	if !web.Person(r).IsAdmin() {
		return errs.Forbiddenf("Only platform administrators can credit wallets.")
	}
	return nil
}

func (u *UI) adminWallets(w http.ResponseWriter, r *http.Request) error {
	if err := u.adminOnly(r); err != nil {
		return err
	}
	return u.renderWallets(w, r, u.NewPage(w, r, "Wallets", nil), http.StatusOK)
}

func (u *UI) renderWallets(w http.ResponseWriter, r *http.Request, p *core.Page, status int) error {
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
	return u.Render(w, r, status, "admin/wallets", p)
}

func (u *UI) adminWalletCredit(w http.ResponseWriter, r *http.Request) error {
	if err := u.adminOnly(r); err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	fail := func(err error) error {
		var e *errs.Error
		if !core.AsErr(err, &e) || e.Kind == errs.KindInternal {
			return err
		}
		p := u.NewPage(w, r, "Wallets", nil)
		p.Form = r.PostForm
		if e.Field != "" {
			p.Fields[e.Field] = e.Message
		} else {
			p.Error = e.Message
		}
		return u.renderWallets(w, r, p, web.Status(err))
	}
	name := strings.TrimPrefix(strings.TrimSpace(r.PostForm.Get("username")), "@")
	person, err := u.Users.ByUsername(r.Context(), name)
	if errors.Is(err, db.ErrNotFound) {
		return fail(errs.FieldInvalid("username", "There is no person with that username."))
	}
	if err != nil {
		return err
	}
	amount, err := pay.ParseFen(r.PostForm.Get("amount"), "amount")
	if err != nil {
		return fail(err)
	}
	me := web.Person(r)
	memo := r.PostForm.Get("memo")
	if err := u.Pay.TopUp(r.Context(), me.ID, person.ID, amount, memo); err != nil {
		return fail(err)
	}
	if u.Review != nil {
		detail := fmt.Sprintf("Credited %s to @%s's wallet.", pay.FormatFen(amount), person.Username)
		if m := strings.TrimSpace(memo); m != "" {
			detail += " Note: " + m
		}
		if err := u.Review.Audit(r.Context(), me, "wallet.credit", 0, detail); err != nil {
			u.Log.Error("audit wallet credit", "error", err)
		}
	}
	return u.Redirect(w, r, "/admin/wallets", fmt.Sprintf("Credited %s to %s.", pay.FormatFen(amount), person.DisplayName))
}

// registerWallets adds crediting follower wallets.
func (u *UI) registerWallets(h core.Route) {
	if u.Pay == nil {
		return
	}
	h("GET /admin/wallets", u.Staff(u.adminWallets))
	h("POST /admin/wallets", u.Staff(u.adminWalletCredit))
}

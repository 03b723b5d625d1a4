package console

import (
	"net/http"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/web"
)

// mpHomeData is the console home: the person's accounts and applications.
type mpHomeData struct {
	Memberships  []account.Membership
	Applications []*review.Application // unfinished ones, and refusals
}

func (u *UI) mpHome(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := web.Person(r)
	d := &mpHomeData{}
	var err error
	if d.Memberships, err = u.Accounts.ForMember(ctx, me.ID); err != nil {
		return err
	}
	if u.Review != nil {
		apps, err := u.Review.ForPerson(ctx, me.ID)
		if err != nil {
			return err
		}
		applied := map[int64]bool{}
		for _, a := range apps {
			if a.State != review.Approved {
				d.Applications = append(d.Applications, a)
				applied[a.AccountID] = true
			}
		}
		// An account that exists only as an application (pending, or
		// rejected) is listed once, with its application.
		kept := d.Memberships[:0]
		for _, m := range d.Memberships {
			st := m.Account.Status
			if applied[m.Account.ID] && (st == account.StatusPending || st == account.StatusRejected) {
				continue
			}
			kept = append(kept, m)
		}
		d.Memberships = kept
	}
	return u.Render(w, r, http.StatusOK, "mp/home", u.NewPage(w, r, "Console", d))
}

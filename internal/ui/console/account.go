package console

import (
	"fmt"
	"net/http"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// accountHomeData is the account console home: standing, verification,
// credentials and what needs attention.
type accountHomeData struct {
	Account      *account.Account
	Verified     bool
	DaysLeft     int  // until the verification ends (when verified)
	ExpiresSoon  bool // within the platform's warning period
	Lapsed       bool // was verified, is not any more
	CanRenew     bool
	Open         *review.Application // an application in progress for this account
	Frozen       *review.Penalty
	Restrictions []*review.Penalty // restrictions in force
	SecretShown  bool
	Secret       string // the new AppSecret, on the page that shows it once
}

func (u *UI) accountHomeData(r *http.Request, c *core.ConsoleCtx) (*accountHomeData, error) {
	ctx := r.Context()
	a := c.Account
	now := u.Clock.Now()
	st, err := u.Settings.Get(ctx)
	if err != nil {
		return nil, err
	}
	d := &accountHomeData{Account: a, Verified: a.Verified(now)}
	if d.Verified {
		d.DaysLeft = int(a.VerifiedUntil.Sub(now).Hours() / 24)
		d.ExpiresSoon = a.VerifiedUntil.Sub(now) <= time.Duration(st.VerificationWarnDays)*24*time.Hour
	} else {
		d.Lapsed = !a.VerifiedUntil.IsZero()
	}
	if d.Open, err = u.Review.OpenForAccount(ctx, a.ID); err != nil {
		return nil, err
	}
	d.CanRenew = a.Status == account.StatusActive && d.Open == nil && (d.ExpiresSoon || d.Lapsed) && c.Can(account.ActProfile)
	if d.Frozen, err = u.Review.Frozen(ctx, a.ID); err != nil {
		return nil, err
	}
	for _, f := range review.RestrictableFeatures {
		p, err := u.Review.Restricted(ctx, a.ID, f)
		if err != nil {
			return nil, err
		}
		if p != nil && p.Kind == review.Restrict {
			d.Restrictions = append(d.Restrictions, p)
		}
	}
	at, err := u.Review.SecretIssuedAt(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	d.SecretShown = !at.IsZero()
	return d, nil
}

func (u *UI) accountHome(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActView)
	if err != nil {
		return err
	}
	d, err := u.accountHomeData(r, c)
	if err != nil {
		return err
	}
	p := u.NewPage(w, r, c.Account.Name, d)
	p.Console = c
	return u.Render(w, r, http.StatusOK, "mp/account", p)
}

// accountSecret resets the AppSecret and shows the new one, once: the page
// is not cached and the secret is not stored.
func (u *UI) accountSecret(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActSecret)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	creds, err := u.Review.ResetSecret(r.Context(), web.Person(r), c.Account.ID)
	if err != nil {
		return err
	}
	if c.Account, err = u.Accounts.ByID(r.Context(), c.Account.ID); err != nil {
		return err
	}
	d, err := u.accountHomeData(r, c)
	if err != nil {
		return err
	}
	d.Secret = creds.AppSecret
	p := u.NewPage(w, r, c.Account.Name, d)
	p.Console = c
	p.Flash = "A new AppSecret was generated. Copy it now: it is shown only once, and the previous one no longer works."
	lcNoStore(w)
	return u.Render(w, r, http.StatusOK, "mp/account", p)
}

func (u *UI) accountRenew(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActProfile)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	a, err := u.Review.StartRenewal(r.Context(), web.Person(r), c.Account.ID)
	if err != nil {
		return err
	}
	return u.Redirect(w, r, fmt.Sprintf("/mp/apply/%d", a.ID), "Renewal started: upload current documents and submit it for review.")
}

type complianceData struct {
	Account   *account.Account
	Penalties []*review.Penalty
	Now       time.Time
	AppealFor int64 // the penalty whose appeal form failed, to show its message
}

func (u *UI) complianceRender(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx, failed int64, cause error) error {
	list, err := u.Review.PenaltiesFor(r.Context(), c.Account.ID)
	if err != nil {
		return err
	}
	p := u.NewPage(w, r, "Compliance", &complianceData{Account: c.Account, Penalties: list, Now: u.Clock.Now(), AppealFor: failed})
	p.Console = c
	if cause != nil {
		return u.FormError(w, r, "mp/compliance", p, cause)
	}
	return u.Render(w, r, http.StatusOK, "mp/compliance", p)
}

func (u *UI) compliancePage(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActCompliance)
	if err != nil {
		return err
	}
	return u.complianceRender(w, r, c, 0, nil)
}

func (u *UI) complianceAppeal(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActCompliance)
	if err != nil {
		return err
	}
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	penaltyID, err := core.PathIDNamed(r, "penalty", "penalty")
	if err != nil {
		return err
	}
	pen, err := u.Review.Penalty(r.Context(), penaltyID)
	if err != nil || pen.AccountID != c.Account.ID {
		return errNoPenalty
	}
	if _, err := u.Review.Appeal(r.Context(), web.Person(r), penaltyID, r.PostForm.Get("statement")); err != nil {
		return u.complianceRender(w, r, c, penaltyID, err)
	}
	return u.Redirect(w, r, fmt.Sprintf("/mp/a/%d/compliance", c.Account.ID), "Appeal sent. A reviewer other than the one who applied the penalty will decide it.")
}

package console

import (
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/i18n"
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
	Frozen       *penaltyNotice
	Restrictions []*penaltyNotice // restrictions in force
	SecretShown  bool
	Secret       string // the new AppSecret, on the page that shows it once
	Today        *homeToday
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
	l := u.Locale(r)
	frozen, err := u.Review.Frozen(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	if frozen != nil {
		d.Frozen = newPenaltyNotice(l, frozen)
	}
	for _, f := range review.RestrictableFeatures {
		p, err := u.Review.Restricted(ctx, a.ID, f)
		if err != nil {
			return nil, err
		}
		if p != nil && p.Kind == review.Restrict {
			d.Restrictions = append(d.Restrictions, newPenaltyNotice(l, p))
		}
	}
	at, err := u.Review.SecretIssuedAt(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	d.SecretShown = !at.IsZero()
	return d, u.loadToday(r, c, d)
}

// penaltyNotice is a penalty in force as the account's home shows it: what
// it does, in the viewer's language, then the rule broken as the reviewer
// wrote it, quoted and marked with its own language.
type penaltyNotice struct {
	Text template.HTML // its end as a <time>, in the viewer's zone

	Rule     string
	RuleLang string // "" when it cannot be told
}

func newPenaltyNotice(l *i18n.Locale, p *review.Penalty) *penaltyNotice {
	f, args := p.Sentence()
	return &penaltyNotice{Text: core.Rich(errs.Phrase{Format: f, Args: args}.With(l.T, core.PageValues)), Rule: p.Rule, RuleLang: core.ContentLang(p.Rule)}
}

func (u *UI) loadAccountHome(r *http.Request, p *core.Page) error {
	d, err := u.accountHomeData(r, p.Console)
	p.Title, p.Data = p.Console.Account.Name, d
	return err
}

// accountSecret resets the AppSecret and shows the new one, once: the page
// is not cached and the secret is not stored.
func (u *UI) accountSecret(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx) error {
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

func (u *UI) accountRenew(r *http.Request, c *core.ConsoleCtx, _ core.None) (core.Done, error) {
	a, err := u.Review.StartRenewal(r.Context(), web.Person(r), c.Account.ID)
	if err != nil {
		return core.Done{}, err
	}
	return core.Done{To: fmt.Sprintf("/mp/apply/%d", a.ID), Flash: "Renewal started: upload current documents and submit it for review."}, nil
}

type complianceData struct {
	Account   *account.Account
	Penalties []*review.Penalty
	Now       time.Time
	AppealFor int64 // the penalty whose appeal form failed, to show its message
}

func (u *UI) loadCompliance(r *http.Request, p *core.Page) error {
	c := p.Console
	list, err := u.Review.PenaltiesFor(r.Context(), c.Account.ID)
	if err != nil {
		return err
	}
	d := &complianceData{Account: c.Account, Penalties: list, Now: u.Clock.Now()}
	if p.Form != nil { // an appeal re-shown with its error
		d.AppealFor, _ = core.PathID(r, "penalty")
	}
	p.Data = d
	return nil
}

// penaltyInPath reads the account's penalty named in the path.
func (u *UI) penaltyInPath(r *http.Request, c *core.ConsoleCtx) (*review.Penalty, error) {
	penaltyID, err := core.PathIDNamed(r, "penalty", "penalty")
	if err != nil {
		return nil, err
	}
	pen, err := u.Review.Penalty(r.Context(), penaltyID)
	if err != nil || pen.AccountID != c.Account.ID {
		return nil, errNoPenalty
	}
	return pen, nil
}

func (u *UI) complianceAppeal(r *http.Request, c *core.ConsoleCtx, pen *review.Penalty) (core.Done, error) {
	if _, err := u.Review.Appeal(r.Context(), web.Person(r), pen.ID, r.PostForm.Get("statement")); err != nil {
		return core.Done{}, err
	}
	return core.Done{To: "compliance", Flash: "Appeal sent. A reviewer other than the one who applied the penalty will decide it."}, nil
}

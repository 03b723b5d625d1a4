package admin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/settings"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

type queueData struct {
	Apps   []*review.Application
	Filter review.QueueFilter
	Query  url.Values
	States []string
}

func (u *UI) reviewQueue(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := review.QueueFilter{State: q.Get("state"), Region: q.Get("region"), Type: q.Get("type"), Kind: q.Get("kind"), Name: q.Get("q")}
	if f.State != "" && !review.Open(f.State) && f.State != review.Approved && f.State != review.Rejected {
		f.State = ""
	}
	if q.Get("mine") == "1" {
		f.Mine = web.Person(r).ID
	}
	apps, err := u.Review.Queue(r.Context(), f)
	if err != nil {
		return err
	}
	return u.Render(w, r, http.StatusOK, "admin/reviews", u.NewPage(w, r, "Verification reviews",
		&queueData{Apps: apps, Filter: f, Query: q, States: review.States}))
}

type reviewData struct {
	App        *review.Application
	Slots      []core.DocSlot
	Checks     map[string]*review.Check
	CheckNames []string
	Events     []review.Event
	RoundsLeft int
	Mine       bool // claimed by the signed-in reviewer
	Settings   settings.Platform
	Account    *account.Account
}

func (u *UI) reviewData(r *http.Request, appID int64) (*reviewData, error) {
	ctx := r.Context()
	a, err := u.Review.Application(ctx, appID)
	if err != nil {
		return nil, err
	}
	st, err := u.Settings.Get(ctx)
	if err != nil {
		return nil, err
	}
	d := &reviewData{App: a, Checks: map[string]*review.Check{}, CheckNames: review.CheckNames, Settings: st,
		Mine: a.ReviewerID == web.Person(r).ID, RoundsLeft: max(0, st.MaxReviewRounds-a.Round)}
	docs, err := u.Review.Documents(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	byReq := map[string]*review.Document{}
	for _, doc := range docs {
		byReq[doc.Requirement] = doc
	}
	for i, req := range core.RequirementsOf(st, a.Region) {
		d.Slots = append(d.Slots, core.DocSlot{Index: i, Requirement: req, Doc: byReq[req]})
	}
	checks, err := u.Review.Checks(ctx, a.ID, a.Round)
	if err != nil {
		return nil, err
	}
	for i := range checks {
		d.Checks[checks[i].Name] = &checks[i]
	}
	if d.Events, err = u.Review.Events(ctx, a.ID); err != nil {
		return nil, err
	}
	if a.AccountID != 0 {
		if d.Account, err = u.Accounts.ByID(ctx, a.AccountID); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (u *UI) reviewRender(w http.ResponseWriter, r *http.Request, appID int64, cause error) error {
	d, err := u.reviewData(r, appID)
	if err != nil {
		return err
	}
	p := u.NewPage(w, r, "Review: "+d.App.Name, d)
	if cause != nil {
		return u.FormError(w, r, "admin/review", p, cause)
	}
	return u.Render(w, r, http.StatusOK, "admin/review", p)
}

func (u *UI) reviewPage(w http.ResponseWriter, r *http.Request) error {
	appID, err := core.PathIDNamed(r, "app", "application")
	if err != nil {
		return err
	}
	return u.reviewRender(w, r, appID, nil)
}

// reviewAction runs a reviewer action from a form and comes back to the
// review page with fn's flash message, or with the error on the form.
func (u *UI) reviewAction(w http.ResponseWriter, r *http.Request, fn func(appID int64) (string, error)) error {
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	appID, err := core.PathIDNamed(r, "app", "application")
	if err != nil {
		return err
	}
	flash, err := fn(appID)
	if err != nil {
		if k := errs.KindOf(err); k == errs.KindInternal || k == errs.KindNotFound {
			return err
		}
		return u.reviewRender(w, r, appID, err)
	}
	return u.Redirect(w, r, fmt.Sprintf("/admin/reviews/%d", appID), flash)
}

func (u *UI) reviewClaim(w http.ResponseWriter, r *http.Request) error {
	return u.reviewAction(w, r, func(id int64) (string, error) {
		return "Claimed: the application is yours to review.", u.Review.Claim(r.Context(), web.Person(r), id)
	})
}

func (u *UI) reviewRelease(w http.ResponseWriter, r *http.Request) error {
	return u.reviewAction(w, r, func(id int64) (string, error) {
		return "Put back in the queue.", u.Review.Release(r.Context(), web.Person(r), id)
	})
}

func (u *UI) reviewCheck(w http.ResponseWriter, r *http.Request) error {
	return u.reviewAction(w, r, func(id int64) (string, error) {
		check := r.PostForm.Get("check")
		var passed bool
		switch r.PostForm.Get("result_" + check) {
		case "pass":
			passed = true
		case "fail":
		default:
			return "", errs.FieldInvalid("result_"+check, "Choose pass or fail.")
		}
		return review.CheckLabel(check) + " recorded.", u.Review.RecordCheck(r.Context(), web.Person(r), id, check, passed, r.PostForm.Get("note_"+check))
	})
}

func (u *UI) reviewDecide(w http.ResponseWriter, r *http.Request) error {
	return u.reviewAction(w, r, func(id int64) (string, error) {
		ctx, p := r.Context(), web.Person(r)
		switch r.PostForm.Get("decision") {
		case "approve":
			return "Approved: the account is active and verified.", u.Review.Approve(ctx, p, id)
		case "reject":
			return "Rejected. The applicant sees your reason.", u.Review.Reject(ctx, p, id, r.PostForm.Get("reason"))
		case "more":
			err := u.Review.AskMore(ctx, p, id, r.PostForm.Get("reason"))
			var e *errs.Error
			if errors.As(err, &e) && e.Field == "request" {
				e.Field = "reason"
			}
			return "Sent back to the applicant for more information.", err
		}
		return "", errs.FieldInvalid("decision", "Choose approve, reject or ask for more information.")
	})
}

// registerAccountsAdmin adds the review, report, penalty, appeal, audit and
// settings pages.
func (u *UI) registerAccountsAdmin(h core.Route) {
	if u.Review == nil {
		return
	}
	h("GET /admin/reviews", u.Staff(u.reviewQueue))
	h("GET /admin/reviews/{app}", u.Staff(u.reviewPage))
	h("POST /admin/reviews/{app}/claim", u.Staff(u.reviewClaim))
	h("POST /admin/reviews/{app}/release", u.Staff(u.reviewRelease))
	h("POST /admin/reviews/{app}/check", u.Staff(u.reviewCheck))
	h("POST /admin/reviews/{app}/decide", u.Staff(u.reviewDecide))
	h("GET /admin/reports", u.Staff(u.reportsPage))
	h("POST /admin/reports/{report}/dismiss", u.Staff(u.reportDismiss))
	h("GET /admin/penalties", u.Staff(u.penaltiesPage))
	h("GET /admin/penalties/new", u.Staff(u.penaltyForm))
	h("POST /admin/penalties", u.Staff(u.penaltyApply))
	h("GET /admin/appeals", u.Staff(u.appealsPage))
	h("POST /admin/appeals/{penalty}/decide", u.Staff(u.appealDecide))
	h("GET /admin/audit", u.Staff(u.auditPage))
	h("GET /admin/settings", u.Staff(u.settingsPage))
	h("POST /admin/settings", u.Staff(u.settingsSave))
}

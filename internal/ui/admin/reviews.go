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

func (u *UI) loadReviewQueue(r *http.Request, p *core.Page) error {
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
	p.Data = &queueData{Apps: apps, Filter: f, Query: q, States: review.States}
	return nil
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
	if d.Slots, err = u.DocSlots(ctx, st, a); err != nil {
		return nil, err
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

func (u *UI) loadReview(r *http.Request, p *core.Page) error {
	appID, err := appInPath(r, nil)
	if err != nil {
		return err
	}
	d, err := u.reviewData(r, appID)
	if err != nil {
		return err
	}
	p.Title, p.Data = u.T(r, "Review: %s", d.App.Name), d
	return nil
}

func appInPath(r *http.Request, _ *core.ConsoleCtx) (int64, error) {
	return core.PathIDNamed(r, "app", "application")
}

// reviewAction is a reviewer action from a form: it comes back to the
// review page with fn's flash message, or with the error on the form.
func (u *UI) reviewAction(fn func(r *http.Request, appID int64) (string, error)) core.Form[int64] {
	return core.Form[int64]{View: core.View{Template: "admin/review", Load: u.loadReview}, Parse: appInPath,
		Do: func(r *http.Request, _ *core.ConsoleCtx, appID int64) (core.Done, error) {
			flash, err := fn(r, appID)
			if err != nil {
				if errors.Is(err, errs.NotFound) {
					err = core.AsPage(err)
				}
				return core.Done{}, err
			}
			return core.Done{To: fmt.Sprintf("/admin/reviews/%d", appID), Flash: flash}, nil
		}}
}

func (u *UI) reviewClaim(r *http.Request, id int64) (string, error) {
	return "Claimed: the application is yours to review.", u.Review.Claim(r.Context(), web.Person(r), id)
}

func (u *UI) reviewRelease(r *http.Request, id int64) (string, error) {
	return "Put back in the queue.", u.Review.Release(r.Context(), web.Person(r), id)
}

func (u *UI) reviewCheck(r *http.Request, id int64) (string, error) {
	check := r.PostForm.Get("check")
	var passed bool
	switch r.PostForm.Get("result_" + check) {
	case "pass":
		passed = true
	case "fail":
	default:
		return "", errs.FieldInvalid("result_"+check, "Choose pass or fail.")
	}
	return u.T(r, "%s recorded.", u.Locale(r).Text(review.CheckLabel(check))), u.Review.RecordCheck(r.Context(), web.Person(r), id, check, passed, r.PostForm.Get("note_"+check))
}

func (u *UI) reviewDecide(r *http.Request, id int64) (string, error) {
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
}

// registerAccountsAdmin adds the review, report, penalty, appeal, audit and
// settings pages.
func (u *UI) registerAccountsAdmin(h core.Route) {
	if u.Review == nil {
		return
	}
	staff := u.StaffOnly("")
	reports := core.View{Title: "Reports", Template: "admin/reports", Load: u.loadReports}
	appeals := core.View{Title: "Appeals", Template: "admin/appeals", Load: u.loadAppeals}
	settings := core.View{Title: "Platform settings", Template: "admin/settings", Load: u.loadSettings}
	h("GET /admin/reviews", u.Get(staff, core.View{Title: "Verification reviews", Template: "admin/reviews", Load: u.loadReviewQueue}))
	h("GET /admin/reviews/{app}", u.Get(staff, core.View{Template: "admin/review", Load: u.loadReview}))
	h("POST /admin/reviews/{app}/claim", core.Post(u.UI, staff, u.reviewAction(u.reviewClaim)))
	h("POST /admin/reviews/{app}/release", core.Post(u.UI, staff, u.reviewAction(u.reviewRelease)))
	h("POST /admin/reviews/{app}/check", core.Post(u.UI, staff, u.reviewAction(u.reviewCheck)))
	h("POST /admin/reviews/{app}/decide", core.Post(u.UI, staff, u.reviewAction(u.reviewDecide)))
	h("GET /admin/reports", u.Get(staff, reports))
	h("POST /admin/reports/{report}/dismiss", core.Post(u.UI, staff, core.Form[int64]{View: reports, Parse: reportInPath, Do: u.reportDismiss}))
	h("GET /admin/penalties", u.Get(staff, core.View{Title: "Penalties", Template: "admin/penalties", Load: u.loadPenalties}))
	h("GET /admin/penalties/new", u.Staff(u.penaltyForm))
	h("POST /admin/penalties", u.Staff(u.penaltyApply))
	h("GET /admin/appeals", u.Get(staff, appeals))
	h("POST /admin/appeals/{penalty}/decide", core.Post(u.UI, staff, core.Form[int64]{View: appeals, Parse: penaltyInPath, Do: u.appealDecide}))
	h("GET /admin/audit", u.Staff(u.auditPage))
	h("GET /admin/settings", u.Get(staff, settings))
	h("POST /admin/settings", core.Post(u.UI, u.StaffOnly("Only platform administrators can change the settings."), core.Form[core.None]{View: settings, Do: u.settingsSave}))
}

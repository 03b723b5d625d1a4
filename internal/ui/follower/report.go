package follower

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// The follower's report form. Any page can link to
//
//	/report?target_type=account&target_id=ACCOUNT_ID
//	/report?target_type=article&target_id=ARTICLE_ID&account_id=ACCOUNT_ID&title=TITLE
//
// (optionally with &next=/path to come back to), or post the same fields
// plus reason and details to POST /report.

type reportFormData struct {
	TargetType string
	TargetID   int64
	AccountID  int64
	Title      string
	Next       string
	Account    *account.Account
	Reasons    []review.Reason
}

func reportTarget(get func(string) string) *reportFormData {
	num := func(k string) int64 { v, _ := strconv.ParseInt(strings.TrimSpace(get(k)), 10, 64); return v }
	d := &reportFormData{TargetType: get("target_type"), TargetID: num("target_id"), AccountID: num("account_id"),
		Title: strings.TrimSpace(get("title")), Next: web.SafeNext(get("next"), ""), Reasons: review.Reasons}
	if d.TargetType == review.TargetAccount {
		d.AccountID = d.TargetID
	}
	if len([]rune(d.Title)) > 200 {
		d.Title = string([]rune(d.Title)[:200])
	}
	return d
}

func (u *UI) reportData(r *http.Request, d *reportFormData) error {
	if d.TargetType != review.TargetAccount && d.TargetType != review.TargetArticle || d.TargetID <= 0 {
		return errs.NotFoundf("There is nothing to report here: the link is incomplete.")
	}
	if d.AccountID != 0 {
		a, err := u.Accounts.ByID(r.Context(), d.AccountID)
		if err != nil || (a.Status != account.StatusActive && a.Status != account.StatusSuspended) {
			return errs.NotFoundf("No such account.")
		}
		d.Account = a
	}
	return nil
}

func (u *UI) reportForm(w http.ResponseWriter, r *http.Request) error {
	d := reportTarget(r.URL.Query().Get)
	if err := u.reportData(r, d); err != nil {
		return err
	}
	return u.Render(w, r, http.StatusOK, "app/report", u.NewPage(w, r, "Report", d))
}

func (u *UI) reportSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := core.ParseForm(w, r); err != nil {
		return err
	}
	d := reportTarget(r.PostForm.Get)
	if err := u.reportData(r, d); err != nil {
		return err
	}
	_, err := u.Review.CreateReport(r.Context(), web.Person(r), review.NewReport{TargetType: d.TargetType, TargetID: d.TargetID,
		AccountID: d.AccountID, Reason: r.PostForm.Get("reason"), Details: r.PostForm.Get("details"), Snapshot: d.Title})
	if err != nil {
		return u.FormError(w, r, "app/report", u.NewPage(w, r, "Report", d), err)
	}
	next := d.Next
	if next == "" {
		next = "/"
		if d.AccountID != 0 {
			next = fmt.Sprintf("/a/%d", d.AccountID)
		}
	}
	return u.Redirect(w, r, next, "Thank you. The platform's reviewers will look at your report.")
}

// registerReport adds reporting an account or an article.
func (u *UI) registerReport(h core.Route) {
	if u.Review == nil {
		return
	}
	h("GET /report", u.SignedIn(u.reportForm))
	h("POST /report", u.SignedIn(u.reportSubmit))
}

package ui

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/review"
)

// registerAccounts adds the routes of the accounts lifecycle (issue #3):
// applications in the console, the account console home with credentials
// and the violation record, the reviewers' admin pages, and the follower's
// report form. See docs/accounts.md.
func (u *UI) registerAccounts(h route) {
	if u.Review == nil {
		return
	}
	// Console: applications.
	h("GET /mp/apply/new", u.signedIn(u.applyNewForm))
	h("POST /mp/apply/new", u.signedIn(u.applyNew))
	h("GET /mp/apply/{app}", u.signedIn(u.applyPage))
	h("POST /mp/apply/{app}", u.signedIn(u.applySave))
	h("GET /mp/apply/{app}/doc/{doc}", u.signedIn(u.applyDocument))
	h("GET /mp/apply/{app}/avatar", u.signedIn(u.applyAvatar))

	// Console: one account.
	h("GET /mp/a/{account}/{$}", u.accountHome)
	h("POST /mp/a/{account}/secret", u.accountSecret)
	h("POST /mp/a/{account}/renew", u.accountRenew)
	h("GET /mp/a/{account}/compliance", u.compliancePage)
	h("POST /mp/a/{account}/compliance/{penalty}/appeal", u.complianceAppeal)
	u.addNav(navItem{Label: "Compliance", Path: "compliance", Action: account.ActCompliance, Order: 90})

	// Platform admin.
	h("GET /admin/reviews", u.staff(u.reviewQueue))
	h("GET /admin/reviews/{app}", u.staff(u.reviewPage))
	h("POST /admin/reviews/{app}/claim", u.staff(u.reviewClaim))
	h("POST /admin/reviews/{app}/release", u.staff(u.reviewRelease))
	h("POST /admin/reviews/{app}/check", u.staff(u.reviewCheck))
	h("POST /admin/reviews/{app}/decide", u.staff(u.reviewDecide))
	h("GET /admin/reports", u.staff(u.reportsPage))
	h("POST /admin/reports/{report}/dismiss", u.staff(u.reportDismiss))
	h("GET /admin/penalties", u.staff(u.penaltiesPage))
	h("GET /admin/penalties/new", u.staff(u.penaltyForm))
	h("POST /admin/penalties", u.staff(u.penaltyApply))
	h("GET /admin/appeals", u.staff(u.appealsPage))
	h("POST /admin/appeals/{penalty}/decide", u.staff(u.appealDecide))
	h("GET /admin/audit", u.staff(u.auditPage))
	h("GET /admin/settings", u.staff(u.settingsPage))
	h("POST /admin/settings", u.staff(u.settingsSave))

	// Follower app: reporting an account or an article.
	h("GET /report", u.signedIn(u.reportForm))
	h("POST /report", u.signedIn(u.reportSubmit))
}

// verifiedNow reports whether an account carries the verification badge
// now, by the application's clock (template func "verifiedNow").
func (u *UI) verifiedNow(a *account.Account) bool {
	return a != nil && a.Verified(u.Clock.Now())
}

// lcPathID reads a numeric path value, naming what is missing when it is
// not one.
func lcPathID(r *http.Request, name, what string) (int64, error) {
	v, err := pathID(r, name)
	if err != nil {
		return 0, errs.NotFoundf("No such %s.", what)
	}
	return v, nil
}

func lcQueryID(r *http.Request, name string) int64 {
	v, _ := strconv.ParseInt(strings.TrimSpace(r.URL.Query().Get(name)), 10, 64)
	return v
}

// lcMaxUpload bounds a form with files: an avatar and a few documents.
const lcMaxUpload = 48 << 20

// parseUploadForm reads a multipart form (or a plain one) into r.PostForm;
// call the returned function when done to remove temporary files.
func lcParseUpload(w http.ResponseWriter, r *http.Request) (func(), error) {
	r.Body = http.MaxBytesReader(w, r.Body, lcMaxUpload)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return func() {}, parseForm(w, r)
	}
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return func() {}, errs.Invalidf("The files are too large together (at most %d MB per form). Upload fewer at a time.", lcMaxUpload>>20)
		}
		return func() {}, errs.Invalidf("The form could not be read.")
	}
	return func() { _ = r.MultipartForm.RemoveAll() }, nil
}

// formFile returns the file sent in field, or nil when none was chosen.
func lcFormFile(r *http.Request, field string) (*multipart.FileHeader, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	fs := r.MultipartForm.File[field]
	if len(fs) == 0 || fs[0].Filename == "" && fs[0].Size == 0 {
		return nil, nil
	}
	return fs[0], nil
}

// openUpload opens an uploaded file; close the returned closer afterwards.
func lcOpenUpload(fh *multipart.FileHeader, requirement string) (review.Upload, io.Closer, error) {
	f, err := fh.Open()
	if err != nil {
		return review.Upload{}, nil, err
	}
	return review.Upload{Requirement: requirement, Filename: fh.Filename, Body: f}, f, nil
}

// noStore marks a response as never to be cached (it shows a secret).
func lcNoStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}

var errNoPenalty = errs.NotFoundf("No such penalty.")

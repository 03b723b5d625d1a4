package console

import (
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/review"
	"github.com/heraldoa/herald/internal/ui/core"
)

// registerAccounts adds the routes of the accounts lifecycle:
// applications in the console, the account console home with credentials
// and the violation record, the reviewers' admin pages, and the follower's
// report form. See docs/accounts.md.
func (u *UI) registerAccounts(h core.Route) {
	if u.Review == nil {
		return
	}
	// Console: applications.
	newApp := core.View{Title: "Register an Official Account", Template: "mp/apply", Load: u.loadNewApplication}
	h("GET /mp/apply/new", u.Get(u.AnyPerson(), newApp))
	h("POST /mp/apply/new", core.Post(u.UI, u.AnyPerson(), core.Form[core.None]{View: newApp, Do: u.applyNew}))
	h("GET /mp/apply/{app}", u.SignedIn(u.applyPage))
	h("POST /mp/apply/{app}", u.SignedIn(u.applySave))
	h("GET /mp/apply/{app}/doc/{doc}", u.SignedIn(u.applyDocument))
	h("GET /mp/apply/{app}/avatar", u.SignedIn(u.applyAvatar))

	// Console: one account.
	h("GET /mp/a/{account}/{$}", u.Get(u.Member(account.ActView), core.View{Template: "mp/account", Load: u.loadAccountHome}))
	h("POST /mp/a/{account}/secret", u.In(u.Member(account.ActSecret), u.accountSecret))
	h("POST /mp/a/{account}/renew", core.Post(u.UI, u.Member(account.ActProfile), core.Form[core.None]{Do: u.accountRenew}))
	compliance := core.View{Title: "Compliance", Template: "mp/compliance", Load: u.loadCompliance}
	h("GET /mp/a/{account}/compliance", u.Get(u.Member(account.ActCompliance), compliance))
	h("POST /mp/a/{account}/compliance/{penalty}/appeal", core.Post(u.UI, u.Member(account.ActCompliance),
		core.Form[*review.Penalty]{View: compliance, Parse: u.penaltyInPath, Do: u.complianceAppeal}))
	u.AddNav(core.NavItem{Label: "Compliance", Path: "compliance", Action: account.ActCompliance, Order: 90})
}

// lcMaxUpload bounds a form with files: an avatar and a few documents.
const lcMaxUpload = 48 << 20

// parseUploadForm reads a multipart form (or a plain one) into r.PostForm;
// call the returned function when done to remove temporary files.
func lcParseUpload(w http.ResponseWriter, r *http.Request) (func(), error) {
	r.Body = http.MaxBytesReader(w, r.Body, lcMaxUpload)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return func() {}, core.ParseForm(w, r)
	}
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		if core.TooLarge(err) {
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

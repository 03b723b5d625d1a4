package console

import (
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/portability"
	"github.com/heraldoa/herald/internal/ui/core"
	"github.com/heraldoa/herald/internal/web"
)

// The owner's data page: export the account (a queue job with a progress
// bar, any node runs it), import an archive into this account, and the
// follower CSV (download, upload with a dry run). See docs/portability.md.

func (u *UI) registerPortability(h core.Route) {
	if u.Moves != nil {
		h("GET /mp/moves", u.SignedIn(u.movesPage))
		h("POST /mp/moves/{account}/opt-out", u.SignedIn(u.movesOptOut))
	}
	if u.Exports == nil {
		return
	}
	u.AddNav(core.NavItem{Label: "Your data", Path: "data", Action: account.ActOwnData, Order: 95})
	h("GET /mp/a/{account}/data", u.dataPage)
	h("POST /mp/a/{account}/data/export", u.dataExportStart)
	h("GET /mp/a/{account}/data/exports/{export}", u.dataExportStatus)
	h("GET /mp/a/{account}/data/exports/{export}/archive", u.dataExportDownload)
	h("POST /mp/a/{account}/data/import", u.dataImport)
	h("GET /mp/a/{account}/data/followers.csv", u.dataFollowersCSV)
	h("POST /mp/a/{account}/data/followers", u.dataFollowersImport)
}

// maxArchiveUpload bounds an archive uploaded to the console; larger ones
// go through `herald import`.
const maxArchiveUpload = 2 << 30

// maxCSVUpload bounds a follower CSV uploaded to the console.
const maxCSVUpload = 256 << 20

type dataPageData struct {
	Exports  []*portability.ExportJob
	Active   bool // the account is approved, so an archive can be imported into it
	Imported *portability.ImportResult
	Checked  string // the name of an archive found valid by a check
	Fault    *portability.ArchiveError
	CSV      *portability.CSVReport
}

func (u *UI) dataLoad(r *http.Request, c *core.ConsoleCtx) (*dataPageData, error) {
	jobs, err := u.Exports.List(r.Context(), c.Account.ID, 5)
	if err != nil {
		return nil, err
	}
	return &dataPageData{Exports: jobs, Active: c.Account.Status == account.StatusActive}, nil
}

func (u *UI) dataRender(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx, d *dataPageData, status int, msg string) error {
	p := u.NewPage(w, r, "Your data", d)
	p.Console = c
	p.Error = msg
	return u.Render(w, r, status, "mp/data", p)
}

func (u *UI) dataPage(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActOwnData)
	if err != nil {
		return err
	}
	d, err := u.dataLoad(r, c)
	if err != nil {
		return err
	}
	return u.dataRender(w, r, c, d, http.StatusOK, "")
}

func (u *UI) dataExportStart(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActOwnData)
	if err != nil {
		return err
	}
	if _, err := u.Exports.Start(r.Context(), c.Account.ID, web.Person(r).ID); err != nil {
		return err
	}
	return u.Redirect(w, r, fmt.Sprintf("/mp/a/%d/data", c.Account.ID), "Export started. It goes on if you leave this page; come back to download it.")
}

func (u *UI) dataExport(r *http.Request) (*core.ConsoleCtx, *portability.ExportJob, error) {
	c, err := u.ConsoleAccount(r, account.ActOwnData)
	if err != nil {
		return nil, nil, err
	}
	eid, err := core.PathID(r, "export")
	if err != nil {
		return nil, nil, err
	}
	j, err := u.Exports.Get(r.Context(), c.Account.ID, eid)
	if err != nil {
		return nil, nil, err
	}
	return c, j, nil
}

// dataExportStatus is the progress of one export, as JSON for the page's
// progress bar.
func (u *UI) dataExportStatus(w http.ResponseWriter, r *http.Request) error {
	_, j, err := u.dataExport(r)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, map[string]any{"state": j.State, "percent": j.Percent(), "finished": j.Finished(),
		"file": j.CurrentFile, "files_done": j.FilesDone, "files": j.Files, "rows": j.FileRows, "total": j.FileTotal, "error": j.Error})
}

func (u *UI) dataExportDownload(w http.ResponseWriter, r *http.Request) error {
	c, j, err := u.dataExport(r)
	if err != nil {
		return err
	}
	f, err := u.Exports.Open(r.Context(), j)
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="herald-account-%d-%s.zip"`, c.Account.ID, j.CreatedAt.UTC().Format("20060102-150405")))
	http.ServeContent(w, r, "", j.FinishedAt, f)
	return nil
}

// dataImport takes an uploaded archive: with "check" it only validates it;
// otherwise it imports it into this account (approved, and still empty).
// A bad archive is refused whole, with the file and line at fault.
func (u *UI) dataImport(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActOwnData)
	if err != nil {
		return err
	}
	d, err := u.dataLoad(r, c)
	if err != nil {
		return err
	}
	f, hdr, msg := uploaded(w, r, "archive", maxArchiveUpload,
		"Choose an archive (.zip) of at most 2 GB; larger archives import with herald import.", "Choose an archive (.zip) to import.")
	if msg != "" {
		return u.dataRender(w, r, c, d, http.StatusBadRequest, msg)
	}
	defer r.MultipartForm.RemoveAll()
	defer f.Close()
	fail := func(err error) error {
		var ae *portability.ArchiveError
		if errors.As(err, &ae) {
			d.Fault = ae
			return u.dataRender(w, r, c, d, http.StatusUnprocessableEntity, "The archive was refused; nothing was imported.")
		}
		var e *errs.Error
		if errors.As(err, &e) && e.Kind != errs.KindInternal {
			return u.dataRender(w, r, c, d, web.Status(err), e.Message)
		}
		return err
	}
	if r.PostFormValue("check") != "" {
		a, err := portability.OpenArchive(f, hdr.Size)
		if err != nil {
			return fail(err)
		}
		if err := portability.Validate(r.Context(), u.Exports.DB, a); err != nil {
			return fail(err)
		}
		d.Checked = a.Manifest.Source.Name
		return u.dataRender(w, r, c, d, http.StatusOK, "")
	}
	if !d.Active {
		return u.dataRender(w, r, c, d, http.StatusConflict, "Only an approved account can take an import.")
	}
	res, err := portability.Import(r.Context(), u.Exports.DB, u.Media, c.Account.ID, f, hdr.Size, portability.ImportOptions{Now: u.Clock.Now})
	if err != nil {
		return fail(err)
	}
	d.Imported = res
	return u.dataRender(w, r, c, d, http.StatusOK, "")
}

func (u *UI) dataFollowersCSV(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActOwnData)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="followers-%d.csv"`, c.Account.ID))
	_, err = portability.ExportFollowerCSV(r.Context(), u.Exports.DB, c.Account.ID, w)
	if err != nil && u.Log != nil {
		u.Log.Error("follower csv export", "account", c.Account.ID, "error", err)
	}
	return nil // the header is sent: a failure can only cut the file short
}

func (u *UI) dataFollowersImport(w http.ResponseWriter, r *http.Request) error {
	c, err := u.ConsoleAccount(r, account.ActOwnData)
	if err != nil {
		return err
	}
	d, err := u.dataLoad(r, c)
	if err != nil {
		return err
	}
	f, _, msg := uploaded(w, r, "csv", maxCSVUpload, "Choose a CSV file of at most 256 MB.", "Choose a CSV file to import.")
	if msg != "" {
		return u.dataRender(w, r, c, d, http.StatusBadRequest, msg)
	}
	defer r.MultipartForm.RemoveAll()
	defer f.Close()
	rep, err := portability.ImportFollowerCSV(r.Context(), u.Exports.DB, c.Account.ID, f, r.PostFormValue("dry_run") != "")
	if err != nil {
		return err
	}
	d.CSV = rep
	status := http.StatusOK
	if !rep.OK() {
		status = http.StatusUnprocessableEntity
	}
	return u.dataRender(w, r, c, d, status, "")
}

type movesData struct {
	Pending []portability.PendingMove
}

// movesPage lists the signed-in person's pending moves: follows of theirs
// that an account brought from another platform and that become theirs
// when the window ends, unless they opt out here.
func (u *UI) movesPage(w http.ResponseWriter, r *http.Request) error {
	pend, err := u.Moves.Pending(r.Context(), web.Person(r).ID)
	if err != nil {
		return err
	}
	p := u.NewPage(w, r, "Moved accounts", &movesData{Pending: pend})
	return u.Render(w, r, http.StatusOK, "mp/moves", p)
}

func (u *UI) movesOptOut(w http.ResponseWriter, r *http.Request) error {
	accountID, err := core.PathID(r, "account")
	if err != nil {
		return err
	}
	if err := u.Moves.OptOut(r.Context(), web.Person(r).ID, accountID); err != nil {
		return err
	}
	return u.Redirect(w, r, "/mp/moves", "Done: your old follow stays where it was and will not be linked to you.")
}

// uploaded reads the file in field of a multipart form of at most limit
// bytes. On failure it returns the message to show beside the form: tooBig
// when the form cannot be read (over the limit), missing when the field is
// empty. On success the caller removes the form's files and closes f.
func uploaded(w http.ResponseWriter, r *http.Request, field string, limit int64, tooBig, missing string) (multipart.File, *multipart.FileHeader, string) {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		return nil, nil, tooBig
	}
	f, hdr, err := r.FormFile(field)
	if err != nil {
		_ = r.MultipartForm.RemoveAll()
		return nil, nil, missing
	}
	return f, hdr, ""
}

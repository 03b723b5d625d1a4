package console

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

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
	own := u.Member(account.ActOwnData)
	page := u.dataView(nil)
	h("GET /mp/a/{account}/data", u.Get(own, page))
	h("POST /mp/a/{account}/data/export", core.Post(u.UI, own, core.Form[core.None]{View: page, Do: u.dataExportStart}))
	h("GET /mp/a/{account}/data/exports/{export}", u.In(own, u.dataExportStatus))
	h("GET /mp/a/{account}/data/exports/{export}/archive", u.In(own, u.dataExportDownload))
	h("POST /mp/a/{account}/data/import", u.In(own, u.dataImport))
	h("GET /mp/a/{account}/data/followers.csv", u.In(own, u.dataFollowersCSV))
	h("POST /mp/a/{account}/data/followers", u.In(own, u.dataFollowersImport))
	if u.WeChatImports != nil {
		h("POST /mp/a/{account}/data/wechat", core.Post(u.UI, own, core.Form[core.None]{View: page, Do: u.dataWeChatStart}))
		h("GET /mp/a/{account}/data/wechat/{import}", u.In(own, u.dataWeChatStatus))
	}
}

// defaultMaxArchiveUpload bounds an archive uploaded to the console when
// the server's configuration does not (Deps.MaxArchiveUpload); larger ones
// go through `herald import`.
const defaultMaxArchiveUpload = 8 << 30

// maxArchiveUpload is the largest archive the console takes.
func (u *UI) maxArchiveUpload() int64 {
	if u.MaxArchiveUpload > 0 {
		return u.MaxArchiveUpload
	}
	return defaultMaxArchiveUpload
}

// maxCSVUpload bounds a follower CSV uploaded to the console.
const maxCSVUpload = 256 << 20

type dataPageData struct {
	Exports []*portability.ExportJob
	Active  bool // the account is approved, so an archive can be imported into it
	// WeChat is the newest move from WeChat (nil: none yet; WeChatOn
	// false: not offered here).
	WeChat   *portability.WeChatImport
	WeChatOn bool
	dataOutcome
}

// dataOutcome is what an upload on the data page found, shown on the page
// it answers with.
type dataOutcome struct {
	Imported *portability.ImportResult
	Checked  string // the name of an archive found valid by a check
	Fault    *portability.ArchiveError
	CSV      *portability.CSVReport
}

// dataView is the data page, showing out (nil: nothing uploaded).
func (u *UI) dataView(out *dataOutcome) core.View {
	return core.View{Title: "Your data", Template: "mp/data", Load: func(r *http.Request, p *core.Page) error {
		c := p.Console
		jobs, err := u.Exports.List(r.Context(), c.Account.ID, 5)
		if err != nil {
			return err
		}
		d := &dataPageData{Exports: jobs, Active: c.Account.Status == account.StatusActive, WeChatOn: u.WeChatImports != nil}
		if u.WeChatImports != nil {
			if d.WeChat, err = u.WeChatImports.Latest(r.Context(), c.Account.ID); err != nil {
				return err
			}
		}
		if out != nil {
			d.dataOutcome = *out
		}
		p.Data = d
		return nil
	}}
}

// dataWeChatStart starts a move from WeChat into this account (approved,
// and still empty) with the AppID and AppSecret the owner gives.
func (u *UI) dataWeChatStart(r *http.Request, c *core.ConsoleCtx, _ core.None) (core.Done, error) {
	if c.Account.Status != account.StatusActive {
		return core.Done{}, errs.Conflictf("Only an approved account can take a move from WeChat.")
	}
	f := r.PostForm
	if _, err := u.WeChatImports.Start(r.Context(), c.Account.ID, web.Person(r).ID, f.Get("appid"), f.Get("secret"), f.Get("api_base")); err != nil {
		return core.Done{}, err
	}
	return core.Done{To: "data", Flash: "The move from WeChat has started. It goes on if you leave this page."}, nil
}

// dataWeChatStatus is the progress of one move, as JSON for the page.
func (u *UI) dataWeChatStatus(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx) error {
	j, err := core.InPath(r, c.Account.ID, "import", u.WeChatImports.Get)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, map[string]any{"state": j.State, "finished": j.Finished(), "step": j.Step, "done": j.Done,
		"total": j.Total, "percent": j.Percent(), "error": j.Error})
}

func (u *UI) dataExportStart(r *http.Request, c *core.ConsoleCtx, _ core.None) (core.Done, error) {
	if _, err := u.Exports.Start(r.Context(), c.Account.ID, web.Person(r).ID); err != nil {
		return core.Done{}, err
	}
	return core.Done{To: "data", Flash: "Export started. It goes on if you leave this page; come back to download it."}, nil
}

// exportInPath is the account's export named in the path.
func (u *UI) exportInPath(r *http.Request, c *core.ConsoleCtx) (*portability.ExportJob, error) {
	return core.InPath(r, c.Account.ID, "export", u.Exports.Get)
}

// dataExportStatus is the progress of one export, as JSON for the page's
// progress bar.
func (u *UI) dataExportStatus(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx) error {
	j, err := u.exportInPath(r, c)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, map[string]any{"state": j.State, "percent": j.Percent(), "finished": j.Finished(),
		"file": j.CurrentFile, "files_done": j.FilesDone, "files": j.Files, "rows": j.FileRows, "total": j.FileTotal, "error": j.Error})
}

func (u *UI) dataExportDownload(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx) error {
	j, err := u.exportInPath(r, c)
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
func (u *UI) dataImport(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx) error {
	var out dataOutcome
	err := u.importArchive(w, r, c, &out)
	var ae *portability.ArchiveError
	if errors.As(err, &ae) {
		out.Fault = ae
		err = errs.Invalidf("The archive was refused; nothing was imported.")
	}
	return u.Show(w, r, c, u.dataView(&out), err)
}

func (u *UI) importArchive(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx, out *dataOutcome) error {
	limit := u.maxArchiveUpload()
	f, err := streamUpload(w, r, "archive", limit,
		errs.Invalidf("Choose an archive (.zip) of at most %s; larger archives import with herald import.", sizeText(limit)),
		errs.Invalidf("Choose an archive (.zip) to import."))
	if err != nil {
		return err
	}
	defer f.Close()
	if f.Fields["check"] != "" {
		a, err := portability.OpenArchive(f, f.Size)
		if err != nil {
			return err
		}
		if err := portability.Validate(r.Context(), u.Exports.DB, a); err != nil {
			return err
		}
		out.Checked = a.Manifest.Source.Name
		return nil
	}
	if c.Account.Status != account.StatusActive {
		return errs.Conflictf("Only an approved account can take an import.")
	}
	out.Imported, err = portability.Import(r.Context(), u.Exports.DB, u.Media, c.Account.ID, f, f.Size, portability.ImportOptions{Now: u.Clock.Now})
	return err
}

func (u *UI) dataFollowersCSV(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="followers-%d.csv"`, c.Account.ID))
	_, err := portability.ExportFollowerCSV(r.Context(), u.Exports.DB, c.Account.ID, w)
	if err != nil && u.Log != nil {
		u.Log.Error("follower csv export", "account", c.Account.ID, "error", err)
	}
	return nil // the header is sent: a failure can only cut the file short
}

// dataFollowersImport checks (dry run) or applies an uploaded follower
// CSV; a file with any error changes nothing and is answered with its
// lines at fault.
func (u *UI) dataFollowersImport(w http.ResponseWriter, r *http.Request, c *core.ConsoleCtx) error {
	var out dataOutcome
	err := func() error {
		f, err := streamUpload(w, r, "csv", maxCSVUpload, errs.Invalidf("Choose a CSV file of at most 256 MB."), errs.Invalidf("Choose a CSV file to import."))
		if err != nil {
			return err
		}
		defer f.Close()
		if out.CSV, err = portability.ImportFollowerCSV(r.Context(), u.Exports.DB, c.Account.ID, f, f.Fields["dry_run"] != ""); err != nil {
			return err
		}
		if !out.CSV.OK() {
			return errs.Invalidf("The file has %d errors; nothing changed.", out.CSV.ErrorsTotal)
		}
		return nil
	}()
	return u.Show(w, r, c, u.dataView(&out), err)
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

// upload is a file received by streamUpload: a temporary file on disk,
// at its start, and the form's other (short) fields.
type upload struct {
	*os.File
	Size   int64
	Fields map[string]string
}

// Close closes and removes the temporary file.
func (u *upload) Close() error {
	err := u.File.Close()
	if rerr := os.Remove(u.Name()); err == nil {
		err = rerr
	}
	return err
}

// maxFormField bounds each of an upload form's fields other than the file.
const maxFormField = 4 << 10

// streamUpload reads a multipart form part by part, copying the file in
// field straight to a temporary file as it arrives (nothing is held in
// memory but a copy buffer), so an upload may be as large as the disk
// allows up to limit bytes. On failure it returns the error to show over
// the form: tooBig when the file passes limit, missing when the form has
// no file in field. On success the caller closes the upload, which
// removes its file.
func streamUpload(w http.ResponseWriter, r *http.Request, field string, limit int64, tooBig, missing *errs.Error) (*upload, error) {
	// The limit is the file's; the boundaries and short fields around it
	// get a little more.
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, missing
	}
	up := &upload{Fields: map[string]string{}}
	fail := func(err error) (*upload, error) {
		if up.File != nil {
			_ = up.Close()
		}
		return nil, err
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if core.TooLarge(err) {
				return fail(tooBig)
			}
			return fail(errs.Invalidf("The form could not be read."))
		}
		name := part.FormName()
		if name == field && part.FileName() != "" && up.File == nil {
			if up.File, err = os.CreateTemp("", "herald-upload-*"); err != nil {
				return fail(fmt.Errorf("console: upload: %w", err))
			}
			up.Size, err = io.Copy(up.File, io.LimitReader(part, limit+1))
			switch {
			case core.TooLarge(err) || (err == nil && up.Size > limit):
				return fail(tooBig)
			case err != nil:
				return fail(errs.Invalidf("The form could not be read."))
			}
			continue
		}
		if part.FileName() != "" {
			continue // another file: not read
		}
		b, err := io.ReadAll(io.LimitReader(part, maxFormField))
		if err != nil {
			if core.TooLarge(err) {
				return fail(tooBig)
			}
			return fail(errs.Invalidf("The form could not be read."))
		}
		up.Fields[name] = string(b)
	}
	if up.File == nil {
		return fail(missing)
	}
	if _, err := up.Seek(0, io.SeekStart); err != nil {
		return fail(fmt.Errorf("console: upload: %w", err))
	}
	return up, nil
}

// sizeText writes a byte count as the console states limits: whole GB or
// MB (binary units, as the limits are set).
func sizeText(n int64) string {
	if n >= 1<<30 && n%(1<<30) == 0 {
		return fmt.Sprintf("%d GB", n>>30)
	}
	if n >= 1<<30 {
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%d MB", max(n>>20, 1))
}

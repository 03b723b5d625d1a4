package portability

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/workq"
)

// JobKind is the work queue kind of a console export.
const JobKind = "portability.export"

// Exports runs account exports started from the console as durable jobs:
// the request is a row in portability_exports and a job in the work queue,
// so whichever node claims the job runs it, and when that node dies another
// takes over (continuing from the finished part files when it shares the
// work directory, from the start otherwise). Progress is written to the row
// as the export goes, for every node's pages; the finished archive goes to
// the media store, so any node can serve the download.
//
// An export may run twice at once: the queue's lease is short, so a node
// stalled for a few seconds has its job taken over while it still runs.
// Both runs are safe: only one run at a time writes the work directory's
// part files (a flock; the other writes private files), each run stores
// its archive under its own key, and the first run to finish marks the
// export done with its archive while the others delete theirs. A run that
// starts after the export is done does nothing.
type Exports struct {
	DB        *db.DB
	Media     media.Store
	Queue     *workq.Queue
	Clock     clock.Clock
	Log       *slog.Logger
	BaseURL   string
	Generator string
	// WorkDir holds exports in progress (<WorkDir>/<id>.zip.parts).
	WorkDir string
	// MaxRuns bounds how often an export is tried before it is marked failed.
	MaxRuns int
	// Keep is how many finished exports of an account are kept (with their
	// archives); starting another removes the older ones. DefaultKeepExports
	// when zero.
	Keep int
}

// DefaultKeepExports is how many finished exports an account keeps.
const DefaultKeepExports = 5

// ExportJob is one console export.
type ExportJob struct {
	ID          int64
	AccountID   int64
	RequestedBy int64
	State       string // queued, running, done, failed
	CurrentFile string
	FilesDone   int
	Files       int
	FileRows    int64
	FileTotal   int64
	ArchiveKey  string
	Bytes       int64
	Error       string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	FinishedAt  time.Time
}

// Percent is how far the export is, 0 to 100: whole files done, plus the
// share of rows of the file being written.
func (j *ExportJob) Percent() int {
	if j.State == "done" {
		return 100
	}
	if j.Files == 0 {
		return 0
	}
	part := 0.0
	if j.FileTotal > 0 {
		part = float64(min(j.FileRows, j.FileTotal)) / float64(j.FileTotal)
	}
	return min(99, int(100*(float64(j.FilesDone)+part)/float64(j.Files)))
}

// Finished reports whether the export has ended, well or not.
func (j *ExportJob) Finished() bool { return j.State == "done" || j.State == "failed" }

// ErrExportRunning refuses a second export of an account while one runs.
var ErrExportRunning = errs.Conflictf("An export of this account is already running; wait for it to finish.")

type exportPayload struct {
	ExportID int64 `json:"export_id"`
}

// NewExports returns the Exports that cfg describes, its job handler added
// to cfg.Queue (on every node; nil: nothing runs the exports it starts).
func NewExports(cfg Exports) *Exports {
	e := &cfg
	if e.Queue != nil {
		e.Queue.Handle(JobKind, e.run)
	}
	return e
}

// Start records an export of the account and submits its job.
func (e *Exports) Start(ctx context.Context, accountID, by int64) (_ *ExportJob, err error) {
	defer wrap(&err, "portability.Exports.Start(%d, %d)", accountID, by)
	now := db.Micro(e.Clock.Now())
	j := &ExportJob{ID: id.New(), AccountID: accountID, RequestedBy: by, State: "queued"}
	err = e.DB.Tx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM portability_exports WHERE account_id = ? AND state IN ('queued', 'running')`, accountID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrExportRunning
		}
		if _, err := tx.Exec(ctx, `INSERT INTO portability_exports (id, account_id, requested_by, state, files, created_at, updated_at)
			VALUES (?, ?, ?, 'queued', ?, ?, ?)`, j.ID, accountID, by, len(dataFiles()), now, now); err != nil {
			return err
		}
		_, err := e.Queue.SubmitTx(ctx, tx, JobKind, accountID, exportPayload{ExportID: j.ID})
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := e.prune(ctx, accountID); err != nil && e.Log != nil {
		e.Log.Warn("exports: remove old archives", slog.Int64("account", accountID), slog.Any("error", err))
	}
	return e.Get(ctx, accountID, j.ID)
}

// prune removes the account's finished exports beyond the newest Keep, and
// their archives.
func (e *Exports) prune(ctx context.Context, accountID int64) error {
	keep := e.Keep
	if keep <= 0 {
		keep = DefaultKeepExports
	}
	limit := "LIMIT -1" // SQLite needs a LIMIT before OFFSET; -1 is none
	if e.DB.Dialect() == db.Postgres {
		limit = ""
	}
	rows, err := e.DB.Query(ctx, `SELECT id, archive_key FROM portability_exports WHERE account_id = ? AND state IN ('done', 'failed')
		ORDER BY created_at DESC, id DESC `+limit+` OFFSET ?`, accountID, keep)
	if err != nil {
		return err
	}
	type old struct {
		id  int64
		key string
	}
	var olds []old
	for rows.Next() {
		var o old
		if err := rows.Scan(&o.id, &o.key); err != nil {
			rows.Close()
			return err
		}
		olds = append(olds, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, o := range olds {
		if o.key != "" {
			if err := e.Media.Delete(ctx, o.key); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		if _, err := e.DB.Exec(ctx, `DELETE FROM portability_exports WHERE id = ?`, o.id); err != nil {
			return err
		}
	}
	return nil
}

const exportCols = `id, account_id, requested_by, state, current_file, files_done, files, file_rows, file_total, archive_key, bytes, error,
	created_at, updated_at, finished_at`

func scanExport(s interface{ Scan(...any) error }) (*ExportJob, error) {
	var j ExportJob
	var created, updated, finished int64
	if err := s.Scan(&j.ID, &j.AccountID, &j.RequestedBy, &j.State, &j.CurrentFile, &j.FilesDone, &j.Files, &j.FileRows, &j.FileTotal,
		&j.ArchiveKey, &j.Bytes, &j.Error, &created, &updated, &finished); err != nil {
		return nil, err
	}
	j.CreatedAt, j.UpdatedAt, j.FinishedAt = db.FromMicro(created), db.FromMicro(updated), db.FromMicro(finished)
	return &j, nil
}

// Get returns one export of the account.
func (e *Exports) Get(ctx context.Context, accountID, exportID int64) (_ *ExportJob, err error) {
	defer wrap(&err, "portability.Exports.Get(%d, %d)", accountID, exportID)
	j, err := scanExport(e.DB.WriterQueryRow(ctx, `SELECT `+exportCols+` FROM portability_exports WHERE id = ? AND account_id = ?`, exportID, accountID))
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errs.NotFoundf("No such export.")
		}
		return nil, err
	}
	return j, nil
}

// List returns the account's newest exports.
func (e *Exports) List(ctx context.Context, accountID int64, limit int) (_ []*ExportJob, err error) {
	defer wrap(&err, "portability.Exports.List(%d, %d)", accountID, limit)
	rows, err := e.DB.Query(ctx, `SELECT `+exportCols+` FROM portability_exports WHERE account_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`, accountID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ExportJob
	for rows.Next() {
		j, err := scanExport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// Open opens a finished export's archive.
func (e *Exports) Open(ctx context.Context, j *ExportJob) (_ media.File, err error) {
	defer wrap(&err, "portability.Exports.Open(%d, %d)", j.AccountID, j.ID)
	if j.State != "done" || j.ArchiveKey == "" {
		return nil, errs.Conflictf("This export has not finished.")
	}
	return e.Media.Open(ctx, j.ArchiveKey)
}

func (e *Exports) maxRuns() int {
	if e.MaxRuns > 0 {
		return e.MaxRuns
	}
	return workq.DefaultMaxRuns
}

// run is the job: it exports into the work directory (continuing an
// interrupted run's part files), stores the archive in the media store and
// marks the row done. A failure is retried by the queue; the last try marks
// the row failed with the error.
func (e *Exports) run(ctx context.Context, j *workq.Job) error {
	var p exportPayload
	if err := j.Decode(&p); err != nil {
		return nil // not ours to retry
	}
	var accountID int64
	var state string
	if err := e.DB.WriterQueryRow(ctx, `SELECT account_id, state FROM portability_exports WHERE id = ?`, p.ExportID).Scan(&accountID, &state); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil // the account was deleted
		}
		return err
	}
	if state == "done" || state == "failed" {
		return nil
	}
	err := e.export(ctx, p.ExportID, accountID)
	if err != nil && (j.Runs >= e.maxRuns() || errors.Is(err, errs.NotFound)) {
		msg := err.Error()
		if len(msg) > 500 {
			msg = msg[:500]
		}
		now := db.Micro(e.Clock.Now())
		// Never over a run that finished meanwhile.
		if _, uerr := e.DB.Exec(context.WithoutCancel(ctx), `UPDATE portability_exports SET state = 'failed', error = ?, updated_at = ?, finished_at = ?
			WHERE id = ? AND state IN ('queued', 'running')`, msg, now, now, p.ExportID); uerr != nil {
			return uerr
		}
		if e.Log != nil {
			e.Log.Error("export failed", slog.Int64("export", p.ExportID), slog.Int64("account", accountID), slog.Any("error", err))
		}
		return nil
	}
	return err
}

func (e *Exports) export(ctx context.Context, exportID, accountID int64) error {
	res0, err := e.DB.Exec(ctx, `UPDATE portability_exports SET state = 'running', updated_at = ? WHERE id = ? AND state IN ('queued', 'running')`,
		db.Micro(e.Clock.Now()), exportID)
	if err != nil {
		return err
	}
	if n, _ := res0.RowsAffected(); n == 0 {
		return nil // finished by another run, or deleted
	}
	if err := os.MkdirAll(e.WorkDir, 0o750); err != nil {
		return err
	}
	// run names this run's archive in the media store, and its work files
	// when another run holds the shared ones.
	run := strconv.FormatInt(id.New(), 36)
	out := filepath.Join(e.WorkDir, strconv.FormatInt(exportID, 10)+".zip")
	release, shared, err := lockWork(out + ".lock")
	if err != nil {
		return err
	}
	if shared {
		defer release()
	} else {
		// Another run is writing the shared part files: work alone, from
		// the start, and leave nothing behind.
		out = filepath.Join(e.WorkDir, strconv.FormatInt(exportID, 10)+"-"+run+".zip")
		defer os.RemoveAll(out + ".parts")
	}
	// Progress goes to the row at most twice a second, from a goroutine so
	// that the export never waits for it.
	var mu sync.Mutex
	var last Progress
	var dirty bool
	stop := make(chan struct{})
	flushed := make(chan struct{})
	write := func() {
		mu.Lock()
		p, d := last, dirty
		dirty = false
		mu.Unlock()
		if d {
			_, _ = e.DB.Exec(context.WithoutCancel(ctx), `UPDATE portability_exports SET current_file = ?, files_done = ?, files = ?, file_rows = ?, file_total = ?, updated_at = ?
				WHERE id = ? AND state = 'running'`, p.File, p.FilesDone, p.Files, p.Rows, p.Total, db.Micro(e.Clock.Now()), exportID)
		}
	}
	go func() {
		defer close(flushed)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				write()
				return
			case <-t.C:
				write()
			}
		}
	}()
	res, err := Export(ctx, e.DB, e.Media, accountID, out, ExportOptions{BaseURL: e.BaseURL, Generator: e.Generator, Now: e.Clock.Now,
		Progress: func(p Progress) {
			mu.Lock()
			last, dirty = p, true
			mu.Unlock()
		}})
	close(stop)
	<-flushed
	if err != nil {
		return err
	}
	defer os.Remove(out)
	f, err := os.Open(out)
	if err != nil {
		return err
	}
	defer f.Close()
	key := fmt.Sprintf("exports/%d/%d-%s.zip", accountID, exportID, run)
	n, err := e.Media.Put(ctx, key, f)
	if err != nil {
		return fmt.Errorf("export: store the archive: %w", err)
	}
	now := db.Micro(e.Clock.Now())
	won, err := e.DB.Exec(ctx, `UPDATE portability_exports SET state = 'done', archive_key = ?, bytes = ?, files_done = files, current_file = '', error = '',
		updated_at = ?, finished_at = ? WHERE id = ? AND state IN ('queued', 'running', 'failed')`, key, n, now, now, exportID)
	if err != nil {
		// Unknown whether it committed: the next run reads the row, and
		// this archive is deleted unless the row names it.
		if !e.ownsArchive(context.WithoutCancel(ctx), exportID, key) {
			_ = e.Media.Delete(context.WithoutCancel(ctx), key)
		}
		return err
	}
	if n, _ := won.RowsAffected(); n == 0 {
		// Another run finished first: its archive is the export's.
		if err := e.Media.Delete(context.WithoutCancel(ctx), key); err != nil && !errors.Is(err, os.ErrNotExist) && e.Log != nil {
			e.Log.Warn("exports: remove a second run's archive", slog.String("key", key), slog.Any("error", err))
		}
		return nil
	}
	if err := e.prune(ctx, accountID); err != nil && e.Log != nil {
		e.Log.Warn("exports: remove old archives", slog.Int64("account", accountID), slog.Any("error", err))
	}
	if e.Log != nil {
		e.Log.Info("export done", slog.Int64("export", exportID), slog.Int64("account", accountID), slog.Int64("bytes", n),
			slog.Int("missing_media", len(res.MissingMedia)))
	}
	return nil
}

// ownsArchive reports whether the export's row names key as its archive,
// and true when that cannot be read (keeping an archive is the safe side).
func (e *Exports) ownsArchive(ctx context.Context, exportID int64, key string) bool {
	var k string
	err := e.DB.WriterQueryRow(ctx, `SELECT archive_key FROM portability_exports WHERE id = ?`, exportID).Scan(&k)
	if errors.Is(err, sql.ErrNoRows) {
		return false
	}
	return err != nil || k == key
}

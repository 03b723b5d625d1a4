package portability

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/outbound"
	"github.com/heraldoa/herald/internal/workq"
	"github.com/heraldoa/herald/internal/wxclient"
)

// WeChatJobKind is the work queue kind of a move from WeChat started in
// the console.
const WeChatJobKind = "portability.from-wechat"

// WeChatImports runs moves from WeChat started in the console as durable
// jobs: the request is a row of wechat_imports and a job in the work queue;
// whichever node claims it pulls the account into a work directory (kept per
// account, AppID and API address, so a move started again after a failure, such as
// WeChat's daily quota, continues the pull), builds the archive and imports
// it. Progress is written to the row for every node's pages.
type WeChatImports struct {
	DB    *db.DB
	Media media.Store
	Queue *workq.Queue
	Clock clock.Clock
	Log   *slog.Logger
	// HTTP reaches the API and the images; the API address is the owner's
	// choice, so it must be a client whose connections the platform's
	// outbound policy guards.
	HTTP *http.Client
	// WorkDir holds pulls in progress (<WorkDir>/<account>/<appid>-<API hash>).
	WorkDir string
	// Interval spaces the API calls (default 50 ms: 20 a second).
	Interval time.Duration
	MaxRuns  int
}

// WeChatImport is one move from WeChat.
type WeChatImport struct {
	ID          int64
	AccountID   int64
	RequestedBy int64
	AppID       string
	APIBase     string
	State       string // queued, running, done, failed
	Step        string
	Done, Total int64
	Report      *WeChatReport // when done
	Error       string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	FinishedAt  time.Time
}

// Finished reports whether the move has ended, well or not.
func (w *WeChatImport) Finished() bool { return w.State == "done" || w.State == "failed" }

// Percent is how far the current step is, 0 to 100 (0 when its size is not
// known yet).
func (w *WeChatImport) Percent() int {
	if w.State == "done" {
		return 100
	}
	if w.Total <= 0 {
		return 0
	}
	return int(100 * min(w.Done, w.Total) / w.Total)
}

// ErrWeChatImportRunning refuses a second move into an account while one runs.
var ErrWeChatImportRunning = errs.Conflictf("A move from WeChat into this account is already running; wait for it to finish.")

type wechatPayload struct {
	ImportID int64 `json:"import_id"`
}

// NewWeChatImports returns the WeChatImports that cfg describes, its job
// handler added to cfg.Queue (on every node).
func NewWeChatImports(cfg WeChatImports) *WeChatImports {
	w := &cfg
	if w.Queue != nil {
		w.Queue.Handle(WeChatJobKind, w.run)
	}
	return w
}

// Start checks the owner's input, records the move and submits its job.
// The account must be empty: a move from WeChat brings followers, articles
// and menus, which an account that has its own would collide with.
func (w *WeChatImports) Start(ctx context.Context, accountID, by int64, appid, secret, apiBase string) (_ *WeChatImport, err error) {
	defer wrap(&err, "portability.WeChatImports.Start(%d, %d)", accountID, by)
	appid, secret, apiBase = strings.TrimSpace(appid), strings.TrimSpace(secret), strings.TrimSpace(apiBase)
	if apiBase == "" {
		apiBase = wxclient.DefaultBaseURL
	}
	if appid == "" || len(appid) > 64 || strings.ContainsAny(appid, "/\\. \t") {
		return nil, errs.FieldInvalid("appid", "Give the AppID from WeChat's developer settings (wx followed by 16 characters).")
	}
	if secret == "" || len(secret) > 128 {
		return nil, errs.FieldInvalid("secret", "Give the AppSecret from WeChat's developer settings.")
	}
	if u, err := url.Parse(apiBase); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return nil, errs.FieldInvalid("api_base", "Give the API's address, such as https://api.weixin.qq.com.")
	}
	if err := accountEmpty(ctx, w.DB, accountID); err != nil {
		return nil, err
	}
	now := db.Micro(w.Clock.Now())
	j := &WeChatImport{ID: id.New(), AccountID: accountID, RequestedBy: by, AppID: appid, APIBase: strings.TrimRight(apiBase, "/"), State: "queued"}
	err = w.DB.Tx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM wechat_imports WHERE account_id = ? AND state IN ('queued', 'running')`, accountID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrWeChatImportRunning
		}
		if _, err := tx.Exec(ctx, `INSERT INTO wechat_imports (id, account_id, requested_by, appid, api_base, secret, state, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?)`, j.ID, accountID, by, j.AppID, j.APIBase, secret, now, now); err != nil {
			return err
		}
		_, err := w.Queue.SubmitTx(ctx, tx, WeChatJobKind, accountID, wechatPayload{ImportID: j.ID})
		return err
	})
	if err != nil {
		return nil, err
	}
	return j, nil
}

// accountEmpty refuses an account that already has what a move brings.
func accountEmpty(ctx context.Context, d *db.DB, accountID int64) error {
	var n int
	err := d.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM follows WHERE account_id = ?) + (SELECT COUNT(*) FROM publications WHERE account_id = ?)
		+ (SELECT COUNT(*) FROM menus WHERE account_id = ?) + (SELECT COUNT(*) FROM media_assets WHERE account_id = ?)
		+ (SELECT COUNT(*) FROM tags WHERE account_id = ?)`, accountID, accountID, accountID, accountID, accountID).Scan(&n)
	if err != nil {
		return err
	}
	if n > 0 {
		return ErrAccountNotEmpty
	}
	return nil
}

const wechatCols = `id, account_id, requested_by, appid, api_base, state, step, done, total, report, error, created_at, updated_at, finished_at`

func scanWeChatImport(s interface{ Scan(...any) error }) (*WeChatImport, error) {
	var j WeChatImport
	var report string
	var created, updated, finished int64
	if err := s.Scan(&j.ID, &j.AccountID, &j.RequestedBy, &j.AppID, &j.APIBase, &j.State, &j.Step, &j.Done, &j.Total, &report, &j.Error,
		&created, &updated, &finished); err != nil {
		return nil, err
	}
	if report != "" {
		j.Report = &WeChatReport{}
		if err := json.Unmarshal([]byte(report), j.Report); err != nil {
			return nil, err
		}
	}
	j.CreatedAt, j.UpdatedAt, j.FinishedAt = db.FromMicro(created), db.FromMicro(updated), db.FromMicro(finished)
	return &j, nil
}

// Get returns one move into the account.
func (w *WeChatImports) Get(ctx context.Context, accountID, importID int64) (_ *WeChatImport, err error) {
	defer wrap(&err, "portability.WeChatImports.Get(%d, %d)", accountID, importID)
	j, err := scanWeChatImport(w.DB.WriterQueryRow(ctx, `SELECT `+wechatCols+` FROM wechat_imports WHERE id = ? AND account_id = ?`, importID, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("No such move from WeChat.")
	}
	return j, err
}

// Latest returns the account's newest move, or nil.
func (w *WeChatImports) Latest(ctx context.Context, accountID int64) (_ *WeChatImport, err error) {
	defer wrap(&err, "portability.WeChatImports.Latest(%d)", accountID)
	j, err := scanWeChatImport(w.DB.QueryRow(ctx, `SELECT `+wechatCols+` FROM wechat_imports WHERE account_id = ? ORDER BY created_at DESC, id DESC LIMIT 1`, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return j, err
}

func (w *WeChatImports) maxRuns() int {
	if w.MaxRuns > 0 {
		return w.MaxRuns
	}
	return workq.DefaultMaxRuns
}

// permanent reports failures that another try cannot mend: the source's
// daily quota, credentials it refuses, an address the platform refuses to
// reach, an archive or account this platform refuses.
func permanent(err error) bool {
	var qe *QuotaError
	var ae *ArchiveError
	if errors.As(err, &qe) || errors.As(err, &ae) {
		return true
	}
	if _, ok := outbound.Blocked(err); ok {
		return true
	}
	switch wxclient.Code(err) {
	case 40001, 40013, 40125, 40164, 41002, 41004, 48001, 61004:
		return true
	}
	var ee *errs.Error
	return errors.As(err, &ee)
}

// run is the job. A failure is tried again by the queue unless another try
// cannot mend it; the last try marks the row failed with the reason, and
// blanks the AppSecret.
func (w *WeChatImports) run(ctx context.Context, j *workq.Job) error {
	var p wechatPayload
	if err := j.Decode(&p); err != nil {
		return nil // not ours to retry
	}
	var accountID int64
	var appid, base, secret, state string
	err := w.DB.WriterQueryRow(ctx, `SELECT account_id, appid, api_base, secret, state FROM wechat_imports WHERE id = ?`, p.ImportID).
		Scan(&accountID, &appid, &base, &secret, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // the account was deleted
	}
	if err != nil {
		return err
	}
	if state == "done" || state == "failed" {
		return nil
	}
	rep, err := w.move(ctx, p.ImportID, accountID, appid, base, secret)
	if err == nil {
		rb, _ := json.Marshal(rep)
		now := db.Micro(w.Clock.Now())
		_, err = w.DB.Exec(context.WithoutCancel(ctx), `UPDATE wechat_imports SET state = 'done', secret = '', report = ?, step = '', error = '',
			updated_at = ?, finished_at = ? WHERE id = ? AND state IN ('queued', 'running')`, string(rb), now, now, p.ImportID)
		if err == nil {
			_ = os.RemoveAll(w.dir(accountID, appid, base))
		}
		return err
	}
	if ctx.Err() != nil || (!permanent(err) && j.Runs < w.maxRuns()) {
		return err
	}
	msg := outbound.Describe(err)
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	now := db.Micro(w.Clock.Now())
	if _, uerr := w.DB.Exec(context.WithoutCancel(ctx), `UPDATE wechat_imports SET state = 'failed', secret = '', error = ?, updated_at = ?, finished_at = ?
		WHERE id = ? AND state IN ('queued', 'running')`, msg, now, now, p.ImportID); uerr != nil {
		return uerr
	}
	if w.Log != nil {
		w.Log.Warn("move from WeChat failed", slog.Int64("import", p.ImportID), slog.Int64("account", accountID), slog.Any("error", err))
	}
	return nil
}

// dir is the work directory of an account's pull of one AppID from one API.
func (w *WeChatImports) dir(accountID int64, appid, base string) string {
	sum := sha256.Sum256([]byte(base))
	return filepath.Join(w.WorkDir, strconv.FormatInt(accountID, 10), appid+"-"+hex.EncodeToString(sum[:6]))
}

func (w *WeChatImports) move(ctx context.Context, importID, accountID int64, appid, base, secret string) (*WeChatReport, error) {
	if _, err := w.DB.Exec(ctx, `UPDATE wechat_imports SET state = 'running', updated_at = ? WHERE id = ? AND state IN ('queued', 'running')`,
		db.Micro(w.Clock.Now()), importID); err != nil {
		return nil, err
	}
	var profile AccountData
	var status string
	err := w.DB.QueryRow(ctx, `SELECT name, type, region, description, organisation, timezone, status FROM accounts WHERE id = ?`, accountID).
		Scan(&profile.Name, &profile.Type, &profile.Region, &profile.Description, &profile.Organisation, &profile.Timezone, &status)
	if err != nil {
		return nil, err
	}
	if status != "active" {
		return nil, errs.Conflictf("Only an approved account can take a move from WeChat.")
	}
	interval := w.Interval
	if interval <= 0 {
		interval = 50 * time.Millisecond
	}
	c := &wxclient.Client{BaseURL: base, AppID: appid, Secret: secret, HTTP: w.HTTP, Interval: interval}
	dir := w.dir(accountID, appid, base)
	// Progress is written at most every half second, and at each new step.
	var mu sync.Mutex
	var last time.Time
	var lastStep string
	progress := func(pp PullProgress) {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		if pp.Step == lastStep && now.Sub(last) < 500*time.Millisecond && pp.Done != pp.Total {
			return
		}
		last, lastStep = now, pp.Step
		_, _ = w.DB.Exec(ctx, `UPDATE wechat_imports SET step = ?, done = ?, total = ?, updated_at = ? WHERE id = ? AND state = 'running'`,
			pp.Step, pp.Done, pp.Total, db.Micro(w.Clock.Now()), importID)
	}
	if err := PullWeChat(ctx, c, dir, progress); err != nil {
		return nil, err
	}
	progress(PullProgress{Step: "importing"})
	archive := filepath.Join(dir, fmt.Sprintf("archive-%d.zip", importID))
	rep, err := BuildWeChatArchive(dir, archive, profile, w.Clock.Now())
	if err != nil {
		return nil, err
	}
	f, err := os.Open(archive)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if _, err := Import(ctx, w.DB, w.Media, accountID, f, st.Size(), ImportOptions{Now: w.Clock.Now}); err != nil {
		return nil, err
	}
	return rep, nil
}

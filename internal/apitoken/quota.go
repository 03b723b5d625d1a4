package apitoken

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// DailyLimits are the default daily quotas per API path (WeChat's console
// defaults). A path missing here has no quota and is unknown to
// openapi/quota/get.
var DailyLimits = map[string]int64{
	"/cgi-bin/token":                         2000,
	"/cgi-bin/stable_token":                  500000,
	"/cgi-bin/menu/create":                   1000,
	"/cgi-bin/menu/get":                      10000,
	"/cgi-bin/menu/delete":                   1000,
	"/cgi-bin/get_current_selfmenu_info":     10000,
	"/cgi-bin/menu/addconditional":           2000,
	"/cgi-bin/menu/delconditional":           2000,
	"/cgi-bin/menu/trymatch":                 20000,
	"/cgi-bin/message/custom/send":           500000,
	"/cgi-bin/message/custom/typing":         500000,
	"/cgi-bin/message/template/send":         100000,
	"/cgi-bin/user/get":                      500,
	"/cgi-bin/user/info":                     500000,
	"/cgi-bin/user/info/batchget":            500000,
	"/cgi-bin/user/info/updateremark":        10000,
	"/cgi-bin/tags/create":                   1000,
	"/cgi-bin/tags/get":                      1000,
	"/cgi-bin/tags/update":                   1000,
	"/cgi-bin/tags/delete":                   1000,
	"/cgi-bin/user/tag/get":                  500,
	"/cgi-bin/tags/members/batchtagging":     100000,
	"/cgi-bin/tags/members/batchuntagging":   100000,
	"/cgi-bin/tags/getidlist":                500000,
	"/cgi-bin/tags/members/getblacklist":     500,
	"/cgi-bin/tags/members/batchblacklist":   500,
	"/cgi-bin/tags/members/batchunblacklist": 500,
	"/cgi-bin/qrcode/create":                 100000,
	"/cgi-bin/media/upload":                  5000,
	"/cgi-bin/media/get":                     10000,
	"/cgi-bin/media/uploadimg":               5000,
	"/cgi-bin/get_current_autoreply_info":    10000,
	"/cgi-bin/getcallbackip":                 10000,
	"/cgi-bin/get_api_domain_ip":             10000,
	"/cgi-bin/openapi/quota/get":             10000,
	"/cgi-bin/openapi/quota/clear":           10000,
	"/cgi-bin/clear_quota":                   10000,
	// permanent materials
	"/cgi-bin/material/add_material":      5000,
	"/cgi-bin/material/get_material":      10000,
	"/cgi-bin/material/del_material":      5000,
	"/cgi-bin/material/get_materialcount": 10000,
	"/cgi-bin/material/batchget_material": 10000,
	// comments
	"/cgi-bin/comment/open":         100000,
	"/cgi-bin/comment/close":        100000,
	"/cgi-bin/comment/list":         100000,
	"/cgi-bin/comment/markelect":    100000,
	"/cgi-bin/comment/unmarkelect":  100000,
	"/cgi-bin/comment/delete":       100000,
	"/cgi-bin/comment/reply/add":    100000,
	"/cgi-bin/comment/reply/delete": 100000,
	// Mass send (internal/wxapi/mass): sendall and send 100 a day; previews
	// by WeChat ID (towxname) 100 a day, counted under their own key.
	"/cgi-bin/message/mass/sendall":          100,
	"/cgi-bin/message/mass/send":             100,
	"/cgi-bin/message/mass/preview#towxname": 100,
}

// Quotas counts API calls per account, path and day in the api_quota
// table. Every count is one atomic statement (an upsert that adds only
// while the count stays within the limit, returning the new count), so
// every Herald node on the database admits exactly the daily limit between
// them.
//
// Calls of one account and path arriving on a node while its previous
// statement for them runs are counted together by the next statement (one
// round trip and one row update for all of them): it adds k only when all
// k fit, else each of the k is taken by a statement of its own, so a batch
// never admits more than the limit, and never refuses a call the limit
// still has room for. One account calling one API hard from every node
// then costs each node about one statement at a time on that row, not one
// per call.
type Quotas struct {
	db    *db.DB
	clock clock.Clock

	mu    sync.Mutex
	slots map[takeKey]*takeSlot
	stmts atomic.Int64 // counting statements run (benchmarks report them per call)
}

// batchTimeout bounds a batch's statement.
const batchTimeout = 30 * time.Second

// takeKey is one counter row.
type takeKey struct {
	account int64
	day     string
	path    string
}

// takeSlot is the counter's state on this node: whether a statement runs,
// and the calls waiting for the next one.
type takeSlot struct {
	next *takeBatch
}

// takeBatch is calls counted by one statement.
type takeBatch struct {
	n    int64
	done chan struct{}
	ok   bool // all n were within the limit
	err  error
}

// NewQuotas returns the counters of d.
func NewQuotas(d *db.DB, c clock.Clock) *Quotas {
	return &Quotas{db: d, clock: c, slots: map[takeKey]*takeSlot{}}
}

const takeSQL = `INSERT INTO api_quota (account_id, day, path, used) VALUES (?, ?, ?, ?)
ON CONFLICT (account_id, day, path) DO UPDATE SET used = api_quota.used + excluded.used
WHERE api_quota.used + excluded.used <= ?
RETURNING used`

// Take counts one call of path for the account and reports whether it was
// within the daily limit (paths without a limit always are). A refused
// call is not counted. A call whose ctx ends while it waits for its batch
// may have been counted (never more calls than the limit).
func (q *Quotas) Take(ctx context.Context, accountID int64, path string) (_ bool, err error) {
	defer errs.Wrap(&err, "apitoken.Quotas.Take(%d)", accountID)
	limit, ok := DailyLimits[path]
	if !ok {
		return true, nil
	}
	if limit <= 0 {
		return false, nil
	}
	key := takeKey{account: accountID, day: Day(q.clock.Now()), path: path}
	q.mu.Lock()
	s := q.slots[key]
	if s == nil {
		// Nothing runs for this counter: count this call at once.
		q.slots[key] = &takeSlot{}
		q.mu.Unlock()
		ok, err := q.take(ctx, key, 1, limit)
		q.after(key, limit)
		return ok, err
	}
	b := s.next
	if b == nil {
		b = &takeBatch{done: make(chan struct{})}
		s.next = b
	}
	b.n++
	q.mu.Unlock()
	select {
	case <-b.done:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	if b.err != nil || b.ok {
		return b.ok, b.err
	}
	// The batch did not fit: this call alone may.
	return q.take(ctx, key, 1, limit)
}

// after ends a statement on key: the calls that gathered meanwhile are
// counted by the next statement, in the background.
func (q *Quotas) after(key takeKey, limit int64) {
	q.mu.Lock()
	s := q.slots[key]
	b := s.next
	if b == nil {
		delete(q.slots, key)
		q.mu.Unlock()
		return
	}
	s.next = nil
	q.mu.Unlock()
	go func() {
		if b.n <= limit {
			// The batch's statement is no one caller's: it runs to its end
			// (each caller waits only as long as its own context allows).
			ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
			b.ok, b.err = q.take(ctx, key, b.n, limit)
			cancel()
		}
		q.after(key, limit)
		close(b.done)
	}()
}

// take adds n calls to key's counter if all fit within limit.
func (q *Quotas) take(ctx context.Context, key takeKey, n, limit int64) (bool, error) {
	q.stmts.Add(1)
	var used int64
	err := q.db.CountQueryRow(ctx, takeSQL, key.account, key.day, key.path, n, limit).Scan(&used)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("apitoken: take quota: %w", err)
	}
	return true, nil
}

// Exhaust uses up today's quota of path (the emulator's fault injection).
func (q *Quotas) Exhaust(ctx context.Context, accountID int64, path string) (err error) {
	defer errs.Wrap(&err, "apitoken.Quotas.Exhaust(%d)", accountID)
	limit, ok := DailyLimits[path]
	if !ok {
		return fmt.Errorf("%s has no daily quota", path)
	}
	_, err = q.db.Exec(ctx, `INSERT INTO api_quota (account_id, day, path, used) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id, day, path) DO UPDATE SET used = excluded.used`, accountID, Day(q.clock.Now()), path, limit)
	return err
}

// Used returns today's count.
func (q *Quotas) Used(ctx context.Context, accountID int64, path string) (_ int64, err error) {
	defer errs.Wrap(&err, "apitoken.Quotas.Used(%d)", accountID)
	var n int64
	err = q.db.WriterQueryRow(ctx, `SELECT used FROM api_quota WHERE account_id = ? AND day = ? AND path = ?`,
		accountID, Day(q.clock.Now()), path).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

// Clear resets one path's counter for today (openapi/quota/clear), or
// every path's when path is "".
func (q *Quotas) Clear(ctx context.Context, accountID int64, path string) (err error) {
	defer errs.Wrap(&err, "apitoken.Quotas.Clear(%d)", accountID)
	day := Day(q.clock.Now())

	if path == "" {
		_, err = q.db.Exec(ctx, `DELETE FROM api_quota WHERE account_id = ? AND day = ?`, accountID, day)
	} else {
		_, err = q.db.Exec(ctx, `DELETE FROM api_quota WHERE account_id = ? AND day = ? AND path = ?`, accountID, day, path)
	}
	return err
}

// ClearAll is clear_quota: every counter of the account back to zero, at
// most MaxClearQuotaMonth times a month (then ErrClearLimit). The monthly
// allowance is taken with one atomic statement, so two nodes clearing at
// once cannot both take the last one.
func (q *Quotas) ClearAll(ctx context.Context, accountID int64) (err error) {
	defer errs.Wrap(&err, "apitoken.Quotas.ClearAll(%d)", accountID)
	month := Month(q.clock.Now())
	var n int
	err = q.db.WriterQueryRow(ctx, `INSERT INTO api_state (account_id, clear_month, clear_count) VALUES (?, ?, 1)
		ON CONFLICT (account_id) DO UPDATE SET
			clear_count = CASE WHEN api_state.clear_month = excluded.clear_month THEN api_state.clear_count + 1 ELSE 1 END,
			clear_month = excluded.clear_month
		WHERE api_state.clear_month <> excluded.clear_month OR api_state.clear_count < ?
		RETURNING clear_count`, accountID, month, MaxClearQuotaMonth).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrClearLimit
	}
	if err != nil {
		return err
	}
	return q.Clear(ctx, accountID, "")
}

// DeleteBefore drops the counters of days before day (they no longer limit
// anything) and returns how many rows went.
func (q *Quotas) DeleteBefore(ctx context.Context, day string) (_ int64, err error) {
	defer errs.Wrap(&err, "apitoken.Quotas.DeleteBefore()")
	res, err := q.db.Exec(ctx, `DELETE FROM api_quota WHERE day < ?`, day)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

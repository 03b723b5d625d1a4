package apitoken

import (
	"context"
	"errors"
	"sync"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
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

type quotaKey struct {
	account int64
	path    string
}

// Quotas counts API calls per account, path and day. Counting happens in
// memory (one request must not cost one write); Flush writes the counters
// that changed, and Load reads today's at start.
type Quotas struct {
	db    *db.DB
	clock clock.Clock

	mu    sync.Mutex
	day   string
	used  map[quotaKey]int64
	dirty map[quotaKey]bool
}

// NewQuotas returns empty counters; call Load before serving.
func NewQuotas(d *db.DB, c clock.Clock) *Quotas {
	return &Quotas{db: d, clock: c, used: map[quotaKey]int64{}, dirty: map[quotaKey]bool{}}
}

// Load reads today's counters from the database.
func (q *Quotas) Load(ctx context.Context) error {
	day := Day(q.clock.Now())
	rows, err := q.db.Query(ctx, `SELECT account_id, path, used FROM api_quota WHERE day = ?`, day)
	type row struct {
		k quotaKey
		n int64
	}
	list, err := db.Collect(rows, err, func(r *sqlRows) (row, error) {
		var x row
		return x, r.Scan(&x.k.account, &x.k.path, &x.n)
	})
	if err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.day = day
	q.used = map[quotaKey]int64{}
	for _, x := range list {
		q.used[x.k] = x.n
	}
	return nil
}

// roll starts a new day's counters; q.mu is held. Unflushed counts of the
// previous day are dropped: yesterday's counters no longer limit anything.
func (q *Quotas) roll() {
	if d := Day(q.clock.Now()); d != q.day {
		q.day = d
		q.used = map[quotaKey]int64{}
		q.dirty = map[quotaKey]bool{}
	}
}

// Take counts one call of path for the account and reports whether it was
// within the daily limit (paths without a limit always are).
func (q *Quotas) Take(accountID int64, path string) bool {
	limit, ok := DailyLimits[path]
	if !ok {
		return true
	}
	k := quotaKey{accountID, path}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.roll()
	if q.used[k] >= limit {
		return false
	}
	q.used[k]++
	q.dirty[k] = true
	return true
}

// Used returns today's count.
func (q *Quotas) Used(accountID int64, path string) int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.roll()
	return q.used[quotaKey{accountID, path}]
}

// Clear resets one path's counter for today (openapi/quota/clear), or
// every path's when path is "".
func (q *Quotas) Clear(ctx context.Context, accountID int64, path string) error {
	q.mu.Lock()
	q.roll()
	day := q.day
	for k := range q.used {
		if k.account == accountID && (path == "" || k.path == path) {
			delete(q.used, k)
			delete(q.dirty, k)
		}
	}
	q.mu.Unlock()
	var err error
	if path == "" {
		_, err = q.db.Exec(ctx, `DELETE FROM api_quota WHERE account_id = ? AND day = ?`, accountID, day)
	} else {
		_, err = q.db.Exec(ctx, `DELETE FROM api_quota WHERE account_id = ? AND day = ? AND path = ?`, accountID, day, path)
	}
	return err
}

// ClearAll is clear_quota: every counter of the account back to zero, at
// most MaxClearQuotaMonth times a month (then ErrClearLimit).
func (q *Quotas) ClearAll(ctx context.Context, accountID int64) error {
	month := Month(q.clock.Now())
	var m string
	var n int
	err := db.Get(q.db.QueryRow(ctx, `SELECT clear_month, clear_count FROM api_state WHERE account_id = ?`, accountID), &m, &n)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return err
	}
	if m != month {
		n = 0
	}
	if n >= MaxClearQuotaMonth {
		return ErrClearLimit
	}
	if _, err := q.db.Exec(ctx, `INSERT INTO api_state (account_id, clear_month, clear_count) VALUES (?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET clear_month = excluded.clear_month, clear_count = excluded.clear_count`, accountID, month, n+1); err != nil {
		return err
	}
	return q.Clear(ctx, accountID, "")
}

// Flush writes the counters changed since the last Flush.
func (q *Quotas) Flush(ctx context.Context) error {
	q.mu.Lock()
	day := q.day
	type row struct {
		k quotaKey
		n int64
	}
	var rows []row
	for k := range q.dirty {
		rows = append(rows, row{k, q.used[k]})
	}
	q.dirty = map[quotaKey]bool{}
	q.mu.Unlock()
	for i, r := range rows {
		if _, err := q.db.Exec(ctx, `INSERT INTO api_quota (account_id, day, path, used) VALUES (?, ?, ?, ?)
			ON CONFLICT (account_id, day, path) DO UPDATE SET used = CASE WHEN api_quota.used > excluded.used THEN api_quota.used ELSE excluded.used END`,
			r.k.account, day, r.k.path, r.n); err != nil {
			// keep the rest for the next Flush
			q.mu.Lock()
			for _, rest := range rows[i:] {
				if q.day == day {
					q.dirty[rest.k] = true
				}
			}
			q.mu.Unlock()
			return err
		}
	}
	return nil
}

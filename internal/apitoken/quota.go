package apitoken

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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

// Quotas counts API calls per account, path and day in the api_quota
// table. Every call is one atomic statement (an upsert that adds one only
// while the count is below the limit, returning the new count), so every
// Herald node on the database admits exactly the daily limit between them.
type Quotas struct {
	db    *db.DB
	clock clock.Clock
}

// NewQuotas returns the counters of d.
func NewQuotas(d *db.DB, c clock.Clock) *Quotas {
	return &Quotas{db: d, clock: c}
}

const takeSQL = `INSERT INTO api_quota (account_id, day, path, used) VALUES (?, ?, ?, 1)
ON CONFLICT (account_id, day, path) DO UPDATE SET used = api_quota.used + 1
WHERE api_quota.used < ?
RETURNING used`

// Take counts one call of path for the account and reports whether it was
// within the daily limit (paths without a limit always are). A refused
// call is not counted.
func (q *Quotas) Take(ctx context.Context, accountID int64, path string) (bool, error) {
	limit, ok := DailyLimits[path]
	if !ok {
		return true, nil
	}
	if limit <= 0 {
		return false, nil
	}
	var used int64
	err := q.db.CountQueryRow(ctx, takeSQL, accountID, Day(q.clock.Now()), path, limit).Scan(&used)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("apitoken: take quota: %w", err)
	}
	return true, nil
}

// Exhaust uses up today's quota of path (the emulator's fault injection).
func (q *Quotas) Exhaust(ctx context.Context, accountID int64, path string) error {
	limit, ok := DailyLimits[path]
	if !ok {
		return fmt.Errorf("%s has no daily quota", path)
	}
	_, err := q.db.Exec(ctx, `INSERT INTO api_quota (account_id, day, path, used) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id, day, path) DO UPDATE SET used = excluded.used`, accountID, Day(q.clock.Now()), path, limit)
	return err
}

// Used returns today's count.
func (q *Quotas) Used(ctx context.Context, accountID int64, path string) (int64, error) {
	var n int64
	err := q.db.WriterQueryRow(ctx, `SELECT used FROM api_quota WHERE account_id = ? AND day = ? AND path = ?`,
		accountID, Day(q.clock.Now()), path).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

// Clear resets one path's counter for today (openapi/quota/clear), or
// every path's when path is "".
func (q *Quotas) Clear(ctx context.Context, accountID int64, path string) error {
	day := Day(q.clock.Now())
	var err error
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
func (q *Quotas) ClearAll(ctx context.Context, accountID int64) error {
	month := Month(q.clock.Now())
	var n int
	err := q.db.WriterQueryRow(ctx, `INSERT INTO api_state (account_id, clear_month, clear_count) VALUES (?, ?, 1)
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
func (q *Quotas) DeleteBefore(ctx context.Context, day string) (int64, error) {
	res, err := q.db.Exec(ctx, `DELETE FROM api_quota WHERE day < ?`, day)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

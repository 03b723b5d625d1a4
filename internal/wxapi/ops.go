package wxapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/wx/wxerr"
)

// Short keys.
const (
	MaxLongData     = 4 << 10
	MaxShortTTL     = 30 * 24 * time.Hour
	shortKeyLen     = 15
	base62          = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	ridKeep         = 7 * 24 * time.Hour // failed calls kept for openapi/rid/get
	ridBodyMax      = 4 << 10
	callbackTries   = 3
	callbackTimeout = 2 * time.Second
)

func newShortKey() string {
	b := make([]byte, shortKeyLen)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(base62))))
		b[i] = base62[n.Int64()]
	}
	return string(b)
}

type shortenGenIn struct {
	LongData      string `json:"long_data"`
	ExpireSeconds *int64 `json:"expire_seconds"`
}

// POST /cgi-bin/shorten/gen {"long_data","expire_seconds"} → {"short_key"}:
// 9410010 for long_data over 4 KB, 9410011 for expire_seconds over 30 days
// (default 30 days).
func (api *API) shortenGen(ctx context.Context, a *account.Account, in *shortenGenIn) (any, error) {
	if in.LongData == "" {
		return nil, wxerr.New(wxerr.CodeDataFormatError)
	}
	if len(in.LongData) > MaxLongData {
		return nil, wxerr.New(9410010)
	}
	ttl := MaxShortTTL
	if in.ExpireSeconds != nil {
		if *in.ExpireSeconds <= 0 || time.Duration(*in.ExpireSeconds)*time.Second > MaxShortTTL {
			return nil, wxerr.New(9410011)
		}
		ttl = time.Duration(*in.ExpireSeconds) * time.Second
	}
	now := api.Clock.Now()
	for {
		key := newShortKey()
		_, err := api.DB.Exec(ctx, `INSERT INTO short_keys (short_key, account_id, long_data, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			key, a.ID, in.LongData, db.Micro(now), db.Micro(now.Add(ttl)))
		if db.IsUniqueViolation(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return map[string]any{"errcode": 0, "errmsg": "ok", "short_key": key}, nil
	}
}

type shortenFetchIn struct {
	ShortKey string `json:"short_key"`
}

// POST /cgi-bin/shorten/fetch {"short_key"} → {"long_data","create_time",
// "expire_seconds" (remaining)}: 9410012 for an unknown, expired or other
// account's key.
func (api *API) shortenFetch(ctx context.Context, a *account.Account, in *shortenFetchIn) (any, error) {
	var data string
	var created, expires int64
	err := db.Get(api.DB.QueryRow(ctx, `SELECT long_data, created_at, expires_at FROM short_keys WHERE short_key = ? AND account_id = ?`,
		in.ShortKey, a.ID), &data, &created, &expires)
	now := api.Clock.Now()
	if errors.Is(err, errs.NotFound) || (err == nil && !now.Before(db.FromMicro(expires))) {
		return nil, wxerr.New(9410012)
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "long_data": data, "create_time": db.FromMicro(created).Unix(),
		"expire_seconds": int64(db.FromMicro(expires).Sub(now).Seconds())}, nil
}

// DeleteExpiredShortKeys drops short keys past their expiry and failed
// calls older than 7 days.
func (api *API) DeleteExpiredShortKeys(ctx context.Context) (int64, error) {
	api.init()
	now := api.Clock.Now()
	res, err := api.DB.Exec(ctx, `DELETE FROM short_keys WHERE expires_at <= ?`, db.Micro(now))
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	res, err = api.DB.Exec(ctx, `DELETE FROM api_failures WHERE invoke_time <= ?`, db.Micro(now.Add(-ridKeep)))
	if err != nil {
		return n, err
	}
	m, _ := res.RowsAffected()
	return n + m, nil
}

type changeOpenIDIn struct {
	FromAppID  string   `json:"from_appid"`
	OpenIDList []string `json:"openid_list"`
}

// POST /cgi-bin/changeopenid {"from_appid","openid_list":[...]} →
// {"result_list":[{"ori_openid","new_openid","err_msg"}]}: the openids a
// follower has in another account of the same organisation (an owner in
// common) mapped to their openids in this one. 40013 when from_appid is
// not such an account; at most 100 openids (40035).
func (api *API) changeOpenID(ctx context.Context, a *account.Account, in *changeOpenIDIn) (any, error) {
	if len(in.OpenIDList) == 0 || len(in.OpenIDList) > 100 {
		return nil, wxerr.New(wxerr.CodeInvalidParameter)
	}
	from, err := api.Accounts.ByAppID(ctx, in.FromAppID)
	if err != nil {
		return nil, wxerr.New(wxerr.CodeInvalidAppID)
	}
	var shared int
	if err := db.Get(api.DB.QueryRow(ctx, `SELECT COUNT(*) FROM account_members a JOIN account_members b ON a.person_id = b.person_id
		WHERE a.account_id = ? AND b.account_id = ? AND a.role = 'owner' AND b.role = 'owner'`, from.ID, a.ID), &shared); err != nil {
		return nil, err
	}
	if shared == 0 {
		return nil, wxerr.New(wxerr.CodeInvalidAppID)
	}
	type row struct {
		Ori    string `json:"ori_openid"`
		New    string `json:"new_openid,omitempty"`
		ErrMsg string `json:"err_msg"`
	}
	out := make([]row, 0, len(in.OpenIDList))
	for _, o := range in.OpenIDList {
		r := row{Ori: o, ErrMsg: "ori_openid error"}
		var n string
		err := db.Get(api.DB.QueryRow(ctx, `SELECT t.openid FROM follows f JOIN follows t ON t.person_id = f.person_id AND t.account_id = ?
			WHERE f.account_id = ? AND f.openid = ?`, a.ID, from.ID, o), &n)
		if err == nil {
			r.New, r.ErrMsg = n, "ok"
		} else if !errors.Is(err, errs.NotFound) {
			return nil, err
		}
		out = append(out, r)
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "result_list": out}, nil
}

// capture keeps the first bytes of a request body for openapi/rid/get.
type capture struct {
	io.ReadCloser
	buf bytes.Buffer
	n   int64
}

func (c *capture) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	if room := ridBodyMax - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(n, room)])
	}
	c.n += int64(n)
	return n, err
}

func (c *capture) text() string {
	s := strings.ToValidUTF8(c.buf.String(), "\uFFFD")
	if c.n > int64(c.buf.Len()) {
		s += fmt.Sprintf("… (%d bytes)", c.n)
	}
	return s
}

// redact hides the access_token of a request URL.
func redact(u *url.URL) string {
	q := u.Query()
	if q.Has("access_token") {
		q.Set("access_token", "ACCESS_TOKEN")
	}
	out := u.Path
	if len(q) > 0 {
		out += "?" + q.Encode()
	}
	return out
}

// recordFailure stores a failed call of a known account under its rid.
func (api *API) recordFailure(c *call, rid string, resp []byte, took time.Duration, body *capture) {
	req := ""
	if body != nil {
		req = body.text()
	}
	_, err := api.DB.Exec(context.WithoutCancel(c.r.Context()), `INSERT INTO api_failures (rid, account_id, invoke_time, cost_ms, request_url, request_body, response_body, client_ip)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, rid, c.account.ID, db.Micro(api.Clock.Now()), took.Milliseconds(), redact(c.r.URL), req,
		strings.ToValidUTF8(string(resp), ""), clientIP(c.r).String())
	if err != nil && api.Log != nil {
		api.Log.Error("developer API: record failed call", slog.String("rid", rid), slog.Any("error", err))
	}
}

type ridGetIn struct {
	RID string `json:"rid"`
}

// POST /cgi-bin/openapi/rid/get {"rid"} → {"request":{"invoke_time",
// "cost_in_ms","request_url","request_body","response_body","client_ip"}}:
// a failed call of this account in the last 7 days (76200 otherwise).
func (api *API) ridGet(ctx context.Context, a *account.Account, in *ridGetIn) (any, error) {
	var t, cost int64
	var u, req, resp, ip string
	err := db.Get(api.DB.QueryRow(ctx, `SELECT invoke_time, cost_ms, request_url, request_body, response_body, client_ip
		FROM api_failures WHERE rid = ? AND account_id = ?`, strings.TrimSpace(in.RID), a.ID), &t, &cost, &u, &req, &resp, &ip)
	if errors.Is(err, errs.NotFound) {
		return nil, wxerr.New(76200)
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"errcode": 0, "errmsg": "ok", "request": map[string]any{
		"invoke_time": db.FromMicro(t).Unix(), "cost_in_ms": cost, "request_url": u, "request_body": req, "response_body": resp, "client_ip": ip}}, nil
}

type callbackCheckIn struct {
	Action        string `json:"action"`
	CheckOperator string `json:"check_operator"`
}

// POST /cgi-bin/callback/check {"action":"all"|"dns"|"ping","check_operator"}:
// Herald resolves the host of the account's server URL (dns: each address,
// real_operator as asked or "DEFAULT") and connects to it three times
// (ping: from_operator, package_loss and the average connect time). 47001
// for an unknown action; 40066 when no server URL is set.
func (api *API) callbackCheck(ctx context.Context, a *account.Account, in *callbackCheckIn) (any, error) {
	op := strings.ToUpper(strings.TrimSpace(in.CheckOperator))
	switch op {
	case "":
		op = "DEFAULT"
	case "CHINANET", "UNICOM", "CAP", "DEFAULT":
	default:
		return nil, wxerr.New(wxerr.CodeInvalidParameter)
	}
	action := strings.ToLower(strings.TrimSpace(in.Action))
	if action != "all" && action != "dns" && action != "ping" {
		return nil, wxerr.New(wxerr.CodeDataFormatError)
	}
	set, err := api.Settings.Get(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(set.URL)
	if set.URL == "" || err != nil || u.Hostname() == "" {
		return nil, wxerr.New(40066)
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443"}[u.Scheme]
		if port == "" {
			port = "80"
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, u.Hostname())
	type dnsRow struct {
		IP           string `json:"ip"`
		RealOperator string `json:"real_operator"`
	}
	type pingRow struct {
		IP           string `json:"ip"`
		FromOperator string `json:"from_operator"`
		PackageLoss  string `json:"package_loss"`
		Time         string `json:"time"`
	}
	dns, ping := []dnsRow{}, []pingRow{}
	if err == nil {
		for _, a := range addrs {
			ip := a.IP.String()
			if action != "ping" {
				dns = append(dns, dnsRow{IP: ip, RealOperator: op})
			}
			if action == "dns" {
				continue
			}
			lost, total := 0, time.Duration(0)
			for i := 0; i < callbackTries; i++ {
				d := net.Dialer{Timeout: callbackTimeout}
				start := time.Now()
				conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(ip, port))
				if err != nil {
					lost++
					continue
				}
				total += time.Since(start)
				conn.Close()
			}
			pr := pingRow{IP: ip, FromOperator: op, PackageLoss: fmt.Sprintf("%d%%", lost*100/callbackTries), Time: "0ms"}
			if ok := callbackTries - lost; ok > 0 {
				pr.Time = fmt.Sprintf("%.3fms", float64(total.Microseconds())/1000/float64(ok))
			}
			ping = append(ping, pr)
		}
	}
	return map[string]any{"dns": dns, "ping": ping}, nil
}

// Package wxapi is Herald's WeChat-compatible developer API: the HTTP
// handler for /cgi-bin/..., /sns/..., /datacube/... and /connect/oauth2/...,
// routed by path alone (the Host is ignored, so SDKs work by changing only
// their base URL). Every answer is HTTP 200 with WeChat's JSON shapes and
// {"errcode":N,"errmsg":"... rid: ..."} on error (see internal/wx/wxerr).
//
// A call goes: route by path → access token (41001/40001/42001) → the
// token's account, which is the only account the call can reach → frozen
// account (50007) → type × verification gate (48001) → daily quota (45009)
// → the endpoint.
package wxapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apitoken"
	"github.com/heraldoa/herald/internal/audience"
	"github.com/heraldoa/herald/internal/autoreply"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/kf"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/menu"
	"github.com/heraldoa/herald/internal/message"
	"github.com/heraldoa/herald/internal/oauth"
	"github.com/heraldoa/herald/internal/push"
	"github.com/heraldoa/herald/internal/qrcode"
	"github.com/heraldoa/herald/internal/realtime"
	"github.com/heraldoa/herald/internal/tempmedia"
	"github.com/heraldoa/herald/internal/webapp"
	"github.com/heraldoa/herald/internal/wx/wxerr"
)

// FrozenFunc reports a penalty that blocks the account's API (code 50007
// for a suspension, 48004 for an API restriction), or code 0.
type FrozenFunc func(ctx context.Context, accountID int64) (code int, err error)

// API is the developer API. Build it with every field it needs (a struct
// literal at construction) and serve it; its fields are not changed after.
type API struct {
	DB          *db.DB
	Accounts    *account.Store
	Follows     *follow.Store
	Tokens      *apitoken.Store
	Quotas      *apitoken.Quotas
	Settings    *push.Store
	Chat        *message.Service
	Bus         realtime.Bus
	Menus       *menu.Store
	Audience    *audience.Store
	AutoReplies *autoreply.Store
	TempMedia   *tempmedia.Store
	QR          *qrcode.Store
	Media       media.Store
	Kf          *kf.Service // optional: kf accounts and sessions (customservice/*)
	OAuth       *oauth.Service
	// WebApps, when set, resolves the appid of a miniprogrampage custom
	// message among the account's linked web apps.
	WebApps *webapp.Store
	// MenuArticle, when set, gives a news menu button's article card for
	// get_current_selfmenu_info's news_info.
	MenuArticle menu.ArticleFunc
	Clock       clock.Clock
	Log         *slog.Logger
	BaseURL     string     // Herald's public address (QR code URLs, picture URLs)
	Frozen      FrozenFunc // optional: penalties from the compliance workflow
	// Observe, when set, hears of every call made with a valid token
	// (analytics: api_call events); path is the endpoint's path.
	Observe func(accountID int64, path string, failed bool, took time.Duration)

	once   sync.Once
	routes map[string]*route

	mu       sync.RWMutex
	accounts map[int64]*acctEntry
	forgets  int64            // ForgetAccount calls so far (under mu): a load that began before one is not kept
	now      func() time.Time // the accounts' clock: time.Now (tests move it; under mu)
	// beforeKeep, when set (tests; under mu), runs between a load's reads
	// and its keeping the entry.
	beforeKeep func()

	userInfoStmt  *db.Prepared
	userInfoBatch string     // userInfoBatchSQL for this database
	infoCache     *infoCache // user/info answers (infocache.go)
}

// capability names what an endpoint needs from the account (§19).
type capability int

const (
	capBasic    capability = iota // every account
	capMenu                       // all but unverified Subscription accounts
	capVerified                   // verified accounts (customer service, users, tags)
	capCondMenu                   // verified accounts
	capQR                         // verified Service accounts
)

type route struct {
	fn      func(c *call) error
	cap     capability
	noToken bool
	quota   string // quota path; "" = the route's own path
}

// call is one API request after authentication.
type call struct {
	api     *API
	w       http.ResponseWriter
	r       *http.Request
	path    string
	account *account.Account
}

type acctEntry struct {
	a        *account.Account
	allow    []netip.Prefix
	frozen   int // errcode of a penalty that blocks the API, or 0
	loadedAt time.Time
	// reloading is set once the entry has been served at accountReload or
	// older and a reload was started for it.
	reloading atomic.Bool
}

// accountTTL bounds how stale a cached account (status, verification,
// allowlist) may be; the console's saves call ForgetAccount at once.
const accountTTL = 2 * time.Second

// accountReload is the age from which a served account is read again in
// the background, so that an account in use is found fresh instead of every
// call that comes while it is reloaded at accountTTL reading it (three
// statements each) and waiting for the reads.
const accountReload = accountTTL * 3 / 4

func (api *API) init() {
	api.once.Do(func() {
		api.accounts = map[int64]*acctEntry{}
		if api.now == nil {
			api.now = time.Now
		}
		api.userInfoStmt = api.DB.PreparePointRead(userInfoSQL(api.DB.Dialect()))
		api.userInfoBatch = userInfoBatchSQL(api.DB.Dialect())
		api.infoCache = newInfoCache()
		api.infoCache.readAhead = api.readInfoAhead
		api.routes = map[string]*route{}
		api.registerAll()
	})
}

func (api *API) handle(path string, cap capability, fn func(c *call) error) *route {
	rt := &route{fn: fn, cap: cap}
	api.routes[path] = rt
	return rt
}

// Paths lists the supported endpoints.
func (api *API) Paths() []string {
	api.init()
	out := make([]string, 0, len(api.routes))
	for p := range api.routes {
		out = append(out, p)
	}
	return out
}

// ForgetAccount drops the cached state of an account (after its status,
// verification or developer settings changed).
func (api *API) ForgetAccount(accountID int64) {
	api.init()
	api.dropEntry(accountID)
	if api.Tokens != nil {
		api.Tokens.Forget(accountID)
	}
}

func (api *API) dropEntry(accountID int64) {
	api.mu.Lock()
	delete(api.accounts, accountID)
	api.forgets++
	api.mu.Unlock()
}

func (api *API) account(ctx context.Context, accountID int64) (*acctEntry, error) {
	api.mu.RLock()
	now := api.now()
	e, ok := api.accounts[accountID]
	api.mu.RUnlock()
	if ok {
		age := now.Sub(e.loadedAt)
		if age < accountTTL {
			if age >= accountReload && !e.reloading.Load() && e.reloading.CompareAndSwap(false, true) {
				go api.reloadAccount(accountID)
			}
			return e, nil
		}
	}
	return api.loadAccount(ctx, accountID)
}

// reloadAccount reads an account again for the cache (account), in the
// background; on an error the entry ages out and the next call reads it.
func (api *API) reloadAccount(accountID int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = api.loadAccount(ctx, accountID)
}

// loadAccount reads an account's state and caches it, timed before the
// reads, unless ForgetAccount was called meanwhile (the reads may have
// seen the state before the change it was called for).
func (api *API) loadAccount(ctx context.Context, accountID int64) (*acctEntry, error) {
	api.mu.RLock()
	forgets, now, beforeKeep := api.forgets, api.now(), api.beforeKeep
	api.mu.RUnlock()
	a, err := api.Accounts.ByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	set, err := api.Settings.Get(ctx, accountID)
	if err != nil {
		return nil, err
	}
	e := &acctEntry{a: a, allow: set.Allowlist(), loadedAt: now}
	if api.Frozen != nil {
		if e.frozen, err = api.Frozen(ctx, accountID); err != nil {
			return nil, err
		}
	}
	if beforeKeep != nil {
		beforeKeep()
	}
	api.mu.Lock()
	if api.forgets == forgets {
		if old := api.accounts[accountID]; old == nil || !old.loadedAt.After(now) {
			api.accounts[accountID] = e
		}
	}
	api.mu.Unlock()
	return e, nil
}

// ServeHTTP routes by path alone.
func (api *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	api.init()
	path := r.URL.Path
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	rt, ok := api.routes[path]
	if !ok {
		wxerr.Write(w, wxerr.Newf(40066, "(Herald does not offer "+path+")"))
		return
	}
	c := calls.Get().(*call)
	*c = call{api: api, w: w, r: r, path: path}
	var body *capture
	if r.Body != nil && r.Body != http.NoBody {
		body = &capture{ReadCloser: r.Body}
		r.Body = body
	}
	start := time.Now()
	err := api.serve(c, rt)
	if err != nil {
		api.writeErr(c, err, start, body)
	}
	if api.Observe != nil && c.account != nil {
		api.Observe(c.account.ID, path, err != nil, time.Since(start))
	}
	*c = call{} // nothing of the request kept in the pool
	calls.Put(c)
}

// calls are the call values of ServeHTTP, used again: a handler does not
// keep its call past its return, and one allocation fewer per API call is
// less garbage on the hottest reads.
var calls = sync.Pool{New: func() any { return new(call) }}

func (api *API) serve(c *call, rt *route) error {
	if rt.noToken {
		return rt.fn(c)
	}
	tok := c.query("access_token")
	if tok == "" {
		return wxerr.New(wxerr.CodeAccessTokenMissing)
	}
	t, err := api.Tokens.Check(c.r.Context(), tok)
	switch {
	case errors.Is(err, apitoken.ErrExpired):
		return wxerr.New(wxerr.CodeAccessTokenExpired)
	case errors.Is(err, apitoken.ErrInvalid):
		return wxerr.New(wxerr.CodeInvalidCredential)
	case err != nil:
		return err
	}
	e, err := api.account(c.r.Context(), t.AccountID)
	if err != nil {
		return err
	}
	c.account = e.a
	if err := checkAccount(e); err != nil {
		return err
	}
	if !api.allowed(e.a, rt.cap) {
		return wxerr.New(wxerr.CodeAPIUnauthorized)
	}
	q := rt.quota
	if q == "" {
		q = c.path
	}
	if ok, err := api.Quotas.Take(c.r.Context(), e.a.ID, q); err != nil {
		return err
	} else if !ok {
		return wxerr.New(wxerr.CodeDailyQuota)
	}
	return rt.fn(c)
}

// checkAccount refuses frozen accounts (suspended, terminated or under an
// API penalty). The state is cached for up to accountTTL.
func checkAccount(e *acctEntry) error {
	switch e.a.Status {
	case account.StatusActive:
	case account.StatusSuspended, account.StatusTerminated:
		return wxerr.New(50007)
	default:
		return wxerr.New(wxerr.CodeInvalidAppID)
	}
	if e.frozen != 0 {
		return wxerr.New(e.frozen)
	}
	return nil
}

// allowed is the type × verification table of §19.
func (api *API) allowed(a *account.Account, cap capability) bool {
	verified := a.Verified(api.Clock.Now())
	switch cap {
	case capMenu:
		return a.IsService() || verified
	case capVerified, capCondMenu:
		return verified
	case capQR:
		return a.IsService() && verified
	}
	return true
}

// wxCoder is implemented by domain errors that carry a WeChat errcode
// (menu, audience, autoreply, qrcode).
type wxCoder interface{ WXCode() int }

// wxDetailer is implemented by coded domain errors that add WeChat's detail
// after the errcode's message (for example "data.thing2.value invalid").
type wxDetailer interface{ WXDetail() string }

func (api *API) writeErr(c *call, err error, start time.Time, body *capture) {
	var we *wxerr.Error
	var wc wxCoder
	switch {
	case errors.As(err, &we):
	case errors.As(err, &wc):
		var wd wxDetailer
		if errors.As(err, &wd) {
			err = wxerr.Newf(wc.WXCode(), wd.WXDetail())
		} else {
			err = wxerr.New(wc.WXCode())
		}
	default:
		if api.Log != nil {
			api.Log.Error("developer API", slog.String("path", c.path), slog.Any("error", err))
		}
	}
	if c.account == nil {
		wxerr.Write(c.w, err)
		return
	}
	// A failed call of a known account is kept under its rid for
	// openapi/rid/get.
	rid := wxerr.RID()
	resp := wxerr.WriteRID(c.w, err, rid)
	api.recordFailure(c, rid, resp, time.Since(start), body)
}

// ok writes {"errcode":0,"errmsg":"ok"}.
func (c *call) ok() error {
	wxerr.OK(c.w)
	return nil
}

// json writes a payload.
func (c *call) json(v any) error {
	wxerr.JSON(c.w, v)
	return nil
}

// decode reads the JSON body into v: 44002 when empty, 47001 when it is not
// JSON of the right shape.
func (c *call) decode(v any) error { return decodeJSON(c.w, c.r, v, maxBody) }

// maxBody is the largest JSON body an endpoint reads, unless it says otherwise.
const maxBody = 1 << 20

// decodeJSON reads a JSON body of up to limit bytes into v: 44002 when
// empty, 47001 when longer or not JSON of v's shape.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return wxerr.New(wxerr.CodeDataFormatError)
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return wxerr.New(wxerr.CodeEmptyPostData)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return wxerr.New(wxerr.CodeDataFormatError)
	}
	return nil
}

// query returns a query parameter: the first value of name, as
// url.Values.Get of the parsed query would, found without building the map.
func (c *call) query(name string) string { return queryValue(c.r.URL.RawQuery, name) }

// queryValue is url.ParseQuery(raw).Get(name) without the map: pairs that
// url.ParseQuery drops (a semicolon, an escape it cannot decode) are
// skipped here too.
func queryValue(raw, name string) string {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		if key != name {
			if !strings.ContainsAny(key, "%+") {
				continue
			}
			k, err := url.QueryUnescape(key)
			if err != nil || k != name {
				continue
			}
		}
		if !strings.ContainsAny(value, "%+") {
			return value
		}
		if v, err := url.QueryUnescape(value); err == nil {
			return v
		}
	}
	return ""
}

// follower resolves an openid within account a (41009 when empty, 40003
// when unknown, including an openid of another account).
func (api *API) follower(ctx context.Context, a *account.Account, openid string) (*follow.Follow, error) {
	if openid == "" {
		return nil, wxerr.New(41009)
	}
	f, err := api.Follows.ByOpenID(ctx, a.ID, openid)
	if errors.Is(err, errs.NotFound) {
		return nil, wxerr.New(wxerr.CodeInvalidOpenID)
	}
	return f, err
}

// clientIP is the caller's address.
func clientIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// localIP is the address the request came in on.
func localIP(r *http.Request) string {
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if host, _, err := net.SplitHostPort(a.String()); err == nil {
			return host
		}
	}
	return "127.0.0.1"
}

// domainErr maps a domain error without an errcode: not found → 40003 is
// the caller's business; invalid → 40035.
func domainErr(err error) error {
	var wc wxCoder
	if errors.As(err, &wc) {
		return err
	}
	switch errs.KindOf(err) {
	case errs.KindInvalid:
		return wxerr.New(wxerr.CodeInvalidParameter)
	case errs.KindNotFound:
		return wxerr.New(wxerr.CodeInvalidParameter)
	}
	return err
}

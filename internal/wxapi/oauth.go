package wxapi

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/wx/wxerr"
)

// Web sign-in (OAuth2, §18.1 of the protocol notes). The authorize page is
// the UI's (it needs the signed-in person); the code exchange, refresh,
// userinfo and auth calls are here.
const (
	ScopeBase     = "snsapi_base"
	ScopeUserInfo = "snsapi_userinfo"

	oauthCodeTTL    = 5 * time.Minute
	oauthAccessTTL  = 7200 * time.Second
	oauthRefreshTTL = 30 * 24 * time.Hour
)

// Page-level errors of the authorize page (§18.1).
const (
	PageErrDomain       = 10003 // redirect_uri domain mismatch
	PageErrBanned       = 10004 // account banned
	PageErrScope        = 10005 // scope not authorized
	PageErrScopeEmpty   = 10010
	PageErrRedirectURI  = 10011
	PageErrAppIDEmpty   = 10012
	PageErrStateEmpty   = 10013
	PageErrInvalidAppID = 10016
)

// PageErrors describes the page-level errors for the error page.
var PageErrors = map[int]string{
	PageErrDomain:       "redirect_uri domain mismatch: the page to return to is not on one of the account's web sign-in domains.",
	PageErrBanned:       "This account is banned or suspended.",
	PageErrScope:        "scope not authorized: this account may not use web sign-in with this scope (only verified Service accounts can).",
	PageErrScopeEmpty:   "scope is empty or unknown (snsapi_base or snsapi_userinfo).",
	PageErrRedirectURI:  "redirect_uri is empty or not an http(s) address.",
	PageErrAppIDEmpty:   "appid is empty.",
	PageErrStateEmpty:   "state is missing or invalid (letters and digits, at most 128).",
	PageErrInvalidAppID: "appid is invalid: no such account.",
}

// Authorize is a checked authorize request.
type Authorize struct {
	Account     *account.Account
	RedirectURI string
	Scope       string
	State       string
}

var stateRe = regexp.MustCompile(`^[a-zA-Z0-9]{1,128}$`)

// CheckAuthorize checks the query of /connect/oauth2/authorize. It returns
// a page-level error code (PageErrors) when the request cannot proceed.
func (api *API) CheckAuthorize(ctx context.Context, q url.Values) (*Authorize, int, error) {
	appid, redirect, scope, state := q.Get("appid"), q.Get("redirect_uri"), q.Get("scope"), q.Get("state")
	switch {
	case appid == "":
		return nil, PageErrAppIDEmpty, nil
	case redirect == "":
		return nil, PageErrRedirectURI, nil
	case scope == "":
		return nil, PageErrScopeEmpty, nil
	case scope != ScopeBase && scope != ScopeUserInfo:
		return nil, PageErrScope, nil
	case q.Get("response_type") != "code":
		return nil, PageErrScope, nil
	case !stateRe.MatchString(state):
		return nil, PageErrStateEmpty, nil
	}
	a, err := api.Accounts.ByAppID(ctx, appid)
	if errors.Is(err, db.ErrNotFound) {
		return nil, PageErrInvalidAppID, nil
	}
	if err != nil {
		return nil, 0, err
	}
	if a.Status != account.StatusActive {
		return nil, PageErrBanned, nil
	}
	if !a.IsService() || !a.Verified(api.Clock.Now()) {
		return nil, PageErrScope, nil
	}
	if !plainChars(redirect) {
		// A backslash, space or control character: browsers and servers
		// may disagree on which host such an address names.
		return nil, PageErrDomain, nil
	}
	u, err := url.Parse(redirect)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, PageErrRedirectURI, nil
	}
	if !plainAuthority(redirect, u) {
		return nil, PageErrDomain, nil
	}
	hosts, err := api.OAuthDomains(ctx, a.ID)
	if err != nil {
		return nil, 0, err
	}
	ok := false
	for _, h := range hosts {
		if strings.EqualFold(h, u.Host) {
			ok = true
		}
	}
	if !ok {
		return nil, PageErrDomain, nil
	}
	return &Authorize{Account: a, RedirectURI: redirect, Scope: scope, State: state}, 0, nil
}

// plainChars reports whether an address holds no backslash (which
// browsers read as a slash), space or control character.
func plainChars(raw string) bool {
	for _, r := range raw {
		if r <= ' ' || r == 0x7f || r == '\\' {
			return false
		}
	}
	return true
}

// plainAuthority reports whether a parsed address names its host alone:
// no user info (https://evil%2F@registered.example/cb), and the raw text
// starts with the very scheme and host Go parsed (no escaped host).
func plainAuthority(raw string, u *url.URL) bool {
	if u.User != nil || u.Opaque != "" {
		return false
	}
	prefix := u.Scheme + "://" + u.Host
	return len(raw) >= len(prefix) && strings.EqualFold(raw[:len(prefix)], prefix)
}

// Redirect is where the browser goes after the person's answer: with
// code and state, or (code "", refused) state alone.
func (az *Authorize) Redirect(code string) string {
	u, _ := url.Parse(az.RedirectURI)
	q := u.Query()
	if code != "" {
		q.Set("code", code)
	}
	q.Set("state", az.State)
	u.RawQuery = q.Encode()
	u.Fragment = ""
	return u.String()
}

// IssueCode makes a single-use code (5 minutes) for the person: their
// openid in the account (a new one, not following, when they never
// followed).
func (api *API) IssueCode(ctx context.Context, az *Authorize, personID int64) (string, error) {
	openid, err := api.Follows.OpenID(ctx, az.Account.ID, personID)
	if err != nil {
		return "", err
	}
	code := randomToken(24)
	_, err = api.DB.Exec(ctx, `INSERT INTO oauth_codes (code, account_id, person_id, openid, scope, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		code, az.Account.ID, personID, openid, az.Scope, db.Micro(api.Clock.Now().Add(oauthCodeTTL)))
	return code, err
}

// OAuthDomains lists the account's web sign-in domains (hosts).
func (api *API) OAuthDomains(ctx context.Context, accountID int64) ([]string, error) {
	rows, err := api.DB.Query(ctx, `SELECT host FROM oauth_domains WHERE account_id = ? ORDER BY host`, accountID)
	return db.Collect(rows, err, func(r *sql.Rows) (string, error) {
		var h string
		return h, r.Scan(&h)
	})
}

var hostRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$`)

// MaxOAuthDomains is how many web sign-in domains an account may have.
const MaxOAuthDomains = 5

// SetOAuthDomains replaces the account's web sign-in domains: hosts
// (with an optional port), no scheme or path.
func (api *API) SetOAuthDomains(ctx context.Context, accountID int64, hosts []string) error {
	seen := map[string]bool{}
	var clean []string
	for _, h := range hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" || seen[h] {
			continue
		}
		if !hostRe.MatchString(h) {
			return errs.FieldInvalid("oauth_domains", "%q is not a domain: write the host only, like app.example.com (no https://, no path).", h)
		}
		seen[h] = true
		clean = append(clean, h)
	}
	if len(clean) > MaxOAuthDomains {
		return errs.FieldInvalid("oauth_domains", "At most %d domains.", MaxOAuthDomains)
	}
	sort.Strings(clean)
	return api.DB.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM oauth_domains WHERE account_id = ?`, accountID); err != nil {
			return err
		}
		for _, h := range clean {
			if _, err := tx.Exec(ctx, `INSERT INTO oauth_domains (account_id, host) VALUES (?, ?)`, accountID, h); err != nil {
				return err
			}
		}
		return nil
	})
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (api *API) registerOAuth() {
	api.handle("/sns/oauth2/access_token", capBasic, api.oauthAccessToken).noToken = true
	api.handle("/sns/oauth2/refresh_token", capBasic, api.oauthRefresh).noToken = true
	api.handle("/sns/userinfo", capBasic, api.snsUserInfo).noToken = true
	api.handle("/sns/auth", capBasic, api.snsAuth).noToken = true
	api.handle("/sns/headimg", capBasic, api.snsHeadImg).noToken = true
}

type oauthGrant struct {
	accountID, personID int64
	openid, scope       string
	expires             time.Time
}

// issueTokens writes a web access token and, when refresh is "", a new
// refresh token, and answers in WeChat's shape.
func (api *API) issueTokens(c *call, g *oauthGrant, refresh string) error {
	ctx := c.r.Context()
	now := api.Clock.Now()
	access := randomToken(48)
	return func() error {
		err := api.DB.Tx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO oauth_tokens (token, kind, account_id, person_id, openid, scope, expires_at) VALUES (?, 'access', ?, ?, ?, ?, ?)`,
				access, g.accountID, g.personID, g.openid, g.scope, db.Micro(now.Add(oauthAccessTTL))); err != nil {
				return err
			}
			if refresh == "" {
				refresh = randomToken(48)
				_, err := tx.Exec(ctx, `INSERT INTO oauth_tokens (token, kind, account_id, person_id, openid, scope, expires_at) VALUES (?, 'refresh', ?, ?, ?, ?, ?)`,
					refresh, g.accountID, g.personID, g.openid, g.scope, db.Micro(now.Add(oauthRefreshTTL)))
				return err
			}
			return nil
		})
		if err != nil {
			return err
		}
		return c.json(map[string]any{"access_token": access, "expires_in": int64(oauthAccessTTL / time.Second), "refresh_token": refresh,
			"openid": g.openid, "scope": g.scope, "is_snapshotuser": 0})
	}()
}

// oauthAccount checks that the account may use web sign-in (48001).
func (api *API) oauthAccount(a *account.Account) error {
	if !a.IsService() || !a.Verified(api.Clock.Now()) {
		return wxerr.New(wxerr.CodeAPIUnauthorized)
	}
	return nil
}

// GET /sns/oauth2/access_token?appid=&secret=&code=&grant_type=authorization_code
func (api *API) oauthAccessToken(c *call) error {
	if c.query("grant_type") != "authorization_code" {
		return wxerr.New(wxerr.CodeInvalidGrantType)
	}
	a, err := api.credentials(c, c.query("appid"), c.query("secret"), "")
	if err != nil {
		return err
	}
	if err := api.oauthAccount(a); err != nil {
		return err
	}
	code := c.query("code")
	if code == "" {
		return wxerr.New(41008)
	}
	ctx := c.r.Context()
	g := &oauthGrant{}
	var exp, used int64
	err = db.Get(api.DB.WriterQueryRow(ctx, `SELECT account_id, person_id, openid, scope, expires_at, used_at FROM oauth_codes WHERE code = ?`, code),
		&g.accountID, &g.personID, &g.openid, &g.scope, &exp, &used)
	switch {
	case errors.Is(err, db.ErrNotFound), err == nil && g.accountID != a.ID:
		return wxerr.New(wxerr.CodeInvalidCode)
	case err != nil:
		return err
	case used != 0:
		return wxerr.New(wxerr.CodeCodeBeenUsed)
	}
	now := api.Clock.Now()
	if !now.Before(db.FromMicro(exp)) {
		return wxerr.New(wxerr.CodeCodeExpired)
	}
	res, err := api.DB.Exec(ctx, `UPDATE oauth_codes SET used_at = ? WHERE code = ? AND used_at = 0`, db.Micro(now), code)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return wxerr.New(wxerr.CodeCodeBeenUsed)
	}
	return api.issueTokens(c, g, "")
}

// lookupToken finds a web token of a kind.
func (api *API) lookupToken(ctx context.Context, token, kind string) (*oauthGrant, error) {
	g := &oauthGrant{}
	var exp int64
	err := db.Get(api.DB.QueryRow(ctx, `SELECT account_id, person_id, openid, scope, expires_at FROM oauth_tokens WHERE token = ? AND kind = ?`, token, kind),
		&g.accountID, &g.personID, &g.openid, &g.scope, &exp)
	g.expires = db.FromMicro(exp)
	return g, err
}

// GET /sns/oauth2/refresh_token?appid=&grant_type=refresh_token&refresh_token=
func (api *API) oauthRefresh(c *call) error {
	if c.query("grant_type") != "refresh_token" {
		return wxerr.New(wxerr.CodeInvalidGrantType)
	}
	appid := c.query("appid")
	if appid == "" {
		return wxerr.New(wxerr.CodeAppIDMissing)
	}
	a, err := api.Accounts.ByAppID(c.r.Context(), appid)
	if errors.Is(err, db.ErrNotFound) {
		return wxerr.New(wxerr.CodeInvalidAppID)
	}
	if err != nil {
		return err
	}
	c.account = a
	if err := api.oauthAccount(a); err != nil {
		return err
	}
	rt := c.query("refresh_token")
	g, err := api.lookupToken(c.r.Context(), rt, "refresh")
	switch {
	case errors.Is(err, db.ErrNotFound), err == nil && g.accountID != a.ID:
		return wxerr.New(40030) // invalid refresh_token
	case err != nil:
		return err
	case !api.Clock.Now().Before(g.expires):
		return wxerr.New(42002) // refresh_token expired
	}
	return api.issueTokens(c, g, rt)
}

// webToken checks a web access token and its openid: 40001 (unknown),
// 42001 (expired), 40003 (another person's openid).
func (api *API) webToken(c *call) (*oauthGrant, error) {
	tok := c.query("access_token")
	if tok == "" {
		return nil, wxerr.New(wxerr.CodeAccessTokenMissing)
	}
	g, err := api.lookupToken(c.r.Context(), tok, "access")
	switch {
	case errors.Is(err, db.ErrNotFound):
		return nil, wxerr.New(wxerr.CodeInvalidCredential)
	case err != nil:
		return nil, err
	case !api.Clock.Now().Before(g.expires):
		return nil, wxerr.New(wxerr.CodeAccessTokenExpired)
	case c.query("openid") != g.openid:
		return nil, wxerr.New(wxerr.CodeInvalidOpenID)
	}
	return g, nil
}

// GET /sns/userinfo?access_token=&openid=&lang=
func (api *API) snsUserInfo(c *call) error {
	g, err := api.webToken(c)
	if err != nil {
		return err
	}
	if g.scope != ScopeUserInfo {
		return wxerr.New(wxerr.CodeAPIUnauthorized)
	}
	var name, avatar string
	if err := db.Get(api.DB.QueryRow(c.r.Context(), `SELECT display_name, avatar_path FROM people WHERE id = ?`, g.personID), &name, &avatar); err != nil {
		return err
	}
	head := ""
	if avatar != "" {
		head = strings.TrimSuffix(api.BaseURL, "/") + "/sns/headimg?openid=" + url.QueryEscape(g.openid)
	}
	return c.json(map[string]any{"openid": g.openid, "nickname": name, "sex": 0, "province": "", "city": "", "country": "",
		"headimgurl": head, "privilege": []string{}})
}

// GET /sns/auth?access_token=&openid=: 0 while the web token is valid for
// the openid, else 40003.
func (api *API) snsAuth(c *call) error {
	if _, err := api.webToken(c); err != nil {
		return wxerr.New(wxerr.CodeInvalidOpenID)
	}
	return c.ok()
}

// GET /sns/headimg?openid=: the avatar of the person behind an openid
// that web sign-in handed out (headimgurl); 404 without one.
func (api *API) snsHeadImg(c *call) error {
	var avatar string
	err := db.Get(api.DB.QueryRow(c.r.Context(), `SELECT p.avatar_path FROM follows f JOIN people p ON p.id = f.person_id WHERE f.openid = ?`, c.query("openid")), &avatar)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return err
	}
	if avatar == "" || api.Media == nil {
		http.NotFound(c.w, c.r)
		return nil
	}
	return media.Serve(c.w, c.r, api.Media, avatar, "")
}

// DeleteExpiredWebSignIns drops web sign-in codes and tokens that expired
// more than an hour ago (run hourly); it returns how many.
func (api *API) DeleteExpiredWebSignIns(ctx context.Context) (int64, error) {
	cut := db.Micro(api.Clock.Now().Add(-time.Hour))
	var n int64
	for _, q := range []string{`DELETE FROM oauth_codes WHERE expires_at < ?`, `DELETE FROM oauth_tokens WHERE expires_at < ?`} {
		res, err := api.DB.Exec(ctx, q, cut)
		if err != nil {
			return n, err
		}
		k, _ := res.RowsAffected()
		n += k
	}
	return n, nil
}

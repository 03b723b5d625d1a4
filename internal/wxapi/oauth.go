package wxapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/oauth"
	"github.com/heraldoa/herald/internal/wx/wxerr"
)

// Web sign-in: the code exchange, refresh, userinfo and auth calls; the
// authorize checks, codes and domains are internal/oauth's.
const (
	oauthAccessTTL  = 7200 * time.Second
	oauthRefreshTTL = 30 * 24 * time.Hour
)

// OAuthDomains lists the account's web sign-in domains (oauth.Service.Domains).
func (api *API) OAuthDomains(ctx context.Context, accountID int64) ([]string, error) {
	return api.OAuth.Domains(ctx, accountID)
}

// SetOAuthDomains replaces the account's web sign-in domains
// (oauth.Service.SetDomains).
func (api *API) SetOAuthDomains(ctx context.Context, accountID int64, hosts []string) error {
	return api.OAuth.SetDomains(ctx, accountID, hosts)
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
	access := oauth.NewToken(48)
	return func() error {
		err := api.DB.Tx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO oauth_tokens (token, kind, account_id, person_id, openid, scope, expires_at) VALUES (?, 'access', ?, ?, ?, ?, ?)`,
				access, g.accountID, g.personID, g.openid, g.scope, db.Micro(now.Add(oauthAccessTTL))); err != nil {
				return err
			}
			if refresh == "" {
				refresh = oauth.NewToken(48)
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
	if g.scope != oauth.ScopeUserInfo {
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

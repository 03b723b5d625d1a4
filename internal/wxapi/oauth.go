package wxapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/oauth"
	"github.com/heraldoa/herald/internal/wx/wxerr"
)

// Web sign-in: the code exchange, refresh, userinfo and auth calls. The
// rules and the codes and tokens are internal/oauth's; these handlers read
// the query and answer in WeChat's shape.

// OAuthDomains lists the account's web sign-in domains (oauth.Service.Domains).
func (api *API) OAuthDomains(ctx context.Context, accountID int64) ([]string, error) {
	return api.OAuth.Domains(ctx, accountID)
}

// SetOAuthDomains replaces the account's web sign-in domains
// (oauth.Service.SetDomains).
func (api *API) SetOAuthDomains(ctx context.Context, accountID int64, hosts []string) error {
	return api.OAuth.SetDomains(ctx, accountID, hosts)
}

// writeTokens answers with web tokens in WeChat's shape.
func writeTokens(c *call, t *oauth.Tokens) error {
	return c.json(map[string]any{"access_token": t.Access, "expires_in": int64(t.AccessTTL / time.Second), "refresh_token": t.Refresh,
		"openid": t.OpenID, "scope": t.Scope, "is_snapshotuser": 0})
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
	t, err := api.OAuth.Exchange(c.r.Context(), a, c.query("code"))
	if err != nil {
		return err
	}
	return writeTokens(c, t)
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
	if errors.Is(err, errs.NotFound) {
		return wxerr.New(wxerr.CodeInvalidAppID)
	}
	if err != nil {
		return err
	}
	c.account = a
	t, err := api.OAuth.Refresh(c.r.Context(), a, c.query("refresh_token"))
	if err != nil {
		return err
	}
	return writeTokens(c, t)
}

// webToken checks the call's web access token and openid.
func (api *API) webToken(c *call) (*oauth.Grant, error) {
	tok := c.query("access_token")
	if tok == "" {
		return nil, wxerr.New(wxerr.CodeAccessTokenMissing)
	}
	return api.OAuth.Lookup(c.r.Context(), tok, c.query("openid"))
}

// GET /sns/userinfo?access_token=&openid=&lang=
func (api *API) snsUserInfo(c *call) error {
	g, err := api.webToken(c)
	if err != nil {
		return err
	}
	p, err := api.OAuth.UserInfo(c.r.Context(), g)
	if err != nil {
		return err
	}
	head := ""
	if p.Avatar != "" {
		head = strings.TrimSuffix(api.BaseURL, "/") + "/sns/headimg?openid=" + url.QueryEscape(g.OpenID)
	}
	return c.json(map[string]any{"openid": g.OpenID, "nickname": p.Nickname, "sex": 0, "province": "", "city": "", "country": "",
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
	avatar, err := api.OAuth.Avatar(c.r.Context(), c.query("openid"))
	if err != nil {
		return err
	}
	if avatar == "" || api.Media == nil {
		http.NotFound(c.w, c.r)
		return nil
	}
	return media.Serve(c.w, c.r, api.Media, avatar, "")
}

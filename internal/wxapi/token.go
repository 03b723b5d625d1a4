package wxapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/apitoken"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/push"
	"github.com/heraldoa/herald/internal/wx/wxerr"
)

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// credentials checks appid and secret the way /cgi-bin/token does and
// returns the account: 41002/41004 when missing, 40013 for an unknown
// appid, 40125 for a wrong secret, 50007 for a frozen account, 40164
// outside the IP allowlist, 45009 beyond the daily quota of path.
func (api *API) credentials(c *call, appid, secret, path string) (*account.Account, error) {
	if appid == "" {
		return nil, wxerr.New(wxerr.CodeAppIDMissing)
	}
	if secret == "" {
		return nil, wxerr.New(wxerr.CodeAppSecretMissing)
	}
	a, ok, err := api.Accounts.CheckSecret(c.r.Context(), appid, secret)
	if errors.Is(err, errs.NotFound) {
		return nil, wxerr.New(wxerr.CodeInvalidAppID)
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, wxerr.New(wxerr.CodeInvalidAppSecret)
	}
	c.account = a
	api.dropEntry(a.ID) // a token request always sees the current state
	e, err := api.account(c.r.Context(), a.ID)
	if err != nil {
		return nil, err
	}
	if err := checkAccount(e); err != nil {
		return nil, err
	}
	if ip := clientIP(c.r); !push.Allowed(e.allow, ip) {
		return nil, wxerr.InvalidIP(ip)
	}
	if path != "" {
		ok, err := api.Quotas.Take(c.r.Context(), a.ID, path)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, wxerr.New(wxerr.CodeDailyQuota)
		}
	}
	return a, nil
}

// GET /cgi-bin/token?grant_type=client_credential&appid=&secret=
func (api *API) token(c *call) error {
	if c.query("grant_type") != "client_credential" {
		return wxerr.New(wxerr.CodeInvalidGrantType)
	}
	a, err := api.credentials(c, c.query("appid"), c.query("secret"), c.path)
	if err != nil {
		return err
	}
	t, err := api.Tokens.Issue(c.r.Context(), a.ID)
	if err != nil {
		return err
	}
	return c.json(tokenResponse{AccessToken: t.Value, ExpiresIn: int64(apitoken.TTL.Seconds())})
}

// POST /cgi-bin/stable_token {"grant_type","appid","secret","force_refresh"}
func (api *API) stableToken(c *call) error {
	var in struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	if in.GrantType != "client_credential" {
		return wxerr.New(wxerr.CodeInvalidGrantType)
	}
	a, err := api.credentials(c, in.AppID, in.Secret, c.path)
	if err != nil {
		return err
	}
	t, err := api.Tokens.StableToken(c.r.Context(), a.ID, in.ForceRefresh)
	switch {
	case errors.Is(err, apitoken.ErrForceDaily):
		return wxerr.New(wxerr.CodeDailyQuota)
	case errors.Is(err, apitoken.ErrForceTooSoon):
		return wxerr.New(wxerr.CodeMinuteQuota)
	case err != nil:
		return err
	}
	return c.json(tokenResponse{AccessToken: t.Value, ExpiresIn: t.ExpiresIn(api.Clock.Now())})
}

func (api *API) clearAll(c *call, accountID int64) error {
	err := api.Quotas.ClearAll(c.r.Context(), accountID)
	if errors.Is(err, apitoken.ErrClearLimit) {
		return wxerr.New(wxerr.CodeClearQuotaLimit)
	}
	if err != nil {
		return err
	}
	return c.ok()
}

// POST /cgi-bin/clear_quota {"appid"}: only the token's own appid.
func (api *API) clearQuota(c *call) error {
	var in struct {
		AppID string `json:"appid"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	if in.AppID == "" {
		return wxerr.New(wxerr.CodeAppIDMissing)
	}
	if in.AppID != c.account.AppID {
		return wxerr.New(wxerr.CodeInvalidAppID)
	}
	return api.clearAll(c, c.account.ID)
}

// POST /cgi-bin/clear_quota/v2 with appid and appsecret (JSON, form or
// query): no access token needed.
func (api *API) clearQuotaV2(c *call) error {
	var in struct {
		AppID     string `json:"appid"`
		AppSecret string `json:"appsecret"`
	}
	b, _ := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, 1<<16))
	if s := strings.TrimSpace(string(b)); strings.HasPrefix(s, "{") {
		if json.Unmarshal(b, &in) != nil {
			return wxerr.New(wxerr.CodeDataFormatError)
		}
	}
	if in.AppID == "" {
		in.AppID = c.query("appid")
	}
	if in.AppSecret == "" {
		in.AppSecret = c.query("appsecret")
	}
	a, err := api.credentials(c, in.AppID, in.AppSecret, "")
	if err != nil {
		return err
	}
	return api.clearAll(c, a.ID)
}

type cgiPath struct {
	CGIPath string `json:"cgi_path"`
}

func (c *call) cgiPath() (string, error) {
	var in cgiPath
	if err := c.decode(&in); err != nil {
		return "", err
	}
	switch {
	case !strings.HasPrefix(in.CGIPath, "/"):
		return "", wxerr.New(76003)
	case strings.HasPrefix(in.CGIPath, "/sns/"):
		return "", wxerr.New(76022)
	}
	if _, ok := apitoken.DailyLimits[in.CGIPath]; !ok {
		return "", wxerr.New(76021)
	}
	return in.CGIPath, nil
}

// POST /cgi-bin/openapi/quota/get {"cgi_path"}
func (api *API) quotaGet(c *call) error {
	p, err := c.cgiPath()
	if err != nil {
		return err
	}
	limit := apitoken.DailyLimits[p]
	used, err := api.Quotas.Used(c.r.Context(), c.account.ID, p)
	if err != nil {
		return err
	}
	type quota struct {
		DailyLimit int64 `json:"daily_limit"`
		Used       int64 `json:"used"`
		Remain     int64 `json:"remain"`
	}
	type rate struct {
		CallCount     int64 `json:"call_count"`
		RefreshSecond int64 `json:"refresh_second"`
	}
	return c.json(struct {
		ErrCode   int    `json:"errcode"`
		ErrMsg    string `json:"errmsg"`
		Quota     quota  `json:"quota"`
		RateLimit rate   `json:"rate_limit"`
	}{0, "ok", quota{limit, used, max(limit-used, 0)}, rate{limit, 86400}})
}

// POST /cgi-bin/openapi/quota/clear {"cgi_path"}
func (api *API) quotaClear(c *call) error {
	p, err := c.cgiPath()
	if err != nil {
		return err
	}
	if err := api.Quotas.Clear(c.r.Context(), c.account.ID, p); err != nil {
		return err
	}
	return c.ok()
}

// GET /cgi-bin/getcallbackip and /cgi-bin/get_api_domain_ip: Herald pushes
// from and answers on the address the caller reached.
func (api *API) ipList(c *call) error {
	return c.json(struct {
		IPList []string `json:"ip_list"`
	}{[]string{localIP(c.r)}})
}

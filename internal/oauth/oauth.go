// Package oauth is web sign-in (OAuth2, §18.1 of the protocol notes): the
// checks of an authorize request, the single-use codes handed to the
// account's page, and each account's web sign-in domains. The authorize
// page is the web UI's (it needs the signed-in person); the developer API
// exchanges the codes for web tokens (internal/wxapi).
package oauth

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
)

// Scopes of web sign-in.
const (
	ScopeBase     = "snsapi_base"
	ScopeUserInfo = "snsapi_userinfo"
)

// CodeTTL is how long a sign-in code may be exchanged.
const CodeTTL = 5 * time.Minute

// Service checks authorize requests, issues codes and keeps each account's
// web sign-in domains.
type Service struct {
	DB       *db.DB
	Accounts *account.Store
	Follows  *follow.Store
	Clock    clock.Clock
}

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
func (s *Service) CheckAuthorize(ctx context.Context, q url.Values) (_ *Authorize, _ int, err error) {
	defer errs.Wrap(&err, "oauth.Service.CheckAuthorize()")
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
	a, err := s.Accounts.ByAppID(ctx, appid)
	if errors.Is(err, errs.NotFound) {
		return nil, PageErrInvalidAppID, nil
	}
	if err != nil {
		return nil, 0, err
	}
	if a.Status != account.StatusActive {
		return nil, PageErrBanned, nil
	}
	if !a.IsService() || !a.Verified(s.Clock.Now()) {
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
	hosts, err := s.Domains(ctx, a.ID)
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
func (s *Service) IssueCode(ctx context.Context, az *Authorize, personID int64) (_ string, err error) {
	defer errs.Wrap(&err, "oauth.Service.IssueCode(%d)", personID)
	openid, err := s.Follows.OpenID(ctx, az.Account.ID, personID)
	if err != nil {
		return "", err
	}
	code := NewToken(24)
	_, err = s.DB.Exec(ctx, `INSERT INTO oauth_codes (code, account_id, person_id, openid, scope, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		code, az.Account.ID, personID, openid, az.Scope, db.Micro(s.Clock.Now().Add(CodeTTL)))
	return code, err
}

// Domains lists the account's web sign-in domains (hosts).
func (s *Service) Domains(ctx context.Context, accountID int64) (_ []string, err error) {
	defer errs.Wrap(&err, "oauth.Service.Domains(%d)", accountID)
	rows, err := s.DB.Query(ctx, `SELECT host FROM oauth_domains WHERE account_id = ? ORDER BY host`, accountID)
	return db.Collect(rows, err, func(r *sql.Rows) (string, error) {
		var h string
		return h, r.Scan(&h)
	})
}

var hostRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$`)

// MaxDomains is how many web sign-in domains an account may have.
const MaxDomains = 5

// SetDomains replaces the account's web sign-in domains: hosts (with an
// optional port), no scheme or path.
func (s *Service) SetDomains(ctx context.Context, accountID int64, hosts []string) (err error) {
	defer errs.Wrap(&err, "oauth.Service.SetDomains(%d)", accountID)
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
	if len(clean) > MaxDomains {
		return errs.FieldInvalid("oauth_domains", "At most %d domains.", MaxDomains)
	}
	sort.Strings(clean)
	return s.DB.Tx(ctx, func(tx *db.Tx) error {
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

// NewToken returns a random URL-safe token of n bytes.
func NewToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

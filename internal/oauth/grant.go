package oauth

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// Lifetimes of the web tokens a code is exchanged for.
const (
	AccessTTL  = 7200 * time.Second
	RefreshTTL = 30 * 24 * time.Hour
)

// Refusals of the code exchange and the web-token calls, with the errcode
// the developer API answers.
const (
	CodeInvalidCredential   = 40001 // unknown web access token
	CodeInvalidOpenID       = 40003 // the token is another person's
	CodeInvalidCode         = 40029
	CodeInvalidRefreshToken = 40030
	CodeCodeBeenUsed        = 40163
	CodeCodeMissing         = 41008
	CodeAccessTokenExpired  = 42001
	CodeRefreshTokenExpired = 42002
	CodeCodeExpired         = 42003
	CodeUnauthorized        = 48001 // not a verified Service account, or the scope does not allow it
)

// Error is a refusal that carries the errcode the developer API answers.
type Error struct{ Code int }

func (e *Error) Error() string { return "oauth: refused with errcode " + strconv.Itoa(e.Code) }

// WXCode is the errcode the developer API answers.
func (e *Error) WXCode() int { return e.Code }

func coded(code int) error { return &Error{Code: code} }

// Grant is what a person allowed an account: their openid in it and the
// scope, until Expires (of the code or token it was read from).
type Grant struct {
	AccountID, PersonID int64
	OpenID, Scope       string
	Expires             time.Time
}

// Tokens are a web access token and its refresh token.
type Tokens struct {
	Grant
	Access, Refresh string
	AccessTTL       time.Duration
}

// CheckAccount refuses accounts that may not use web sign-in: only
// verified Service accounts may.
func (s *Service) CheckAccount(a *account.Account) error {
	if !a.IsService() || !a.Verified(s.Clock.Now()) {
		return coded(CodeUnauthorized)
	}
	return nil
}

// Exchange spends a single-use code of the account for web tokens: an
// access token (2 hours) and a refresh token (30 days). A code is spent
// once even when two exchanges race.
func (s *Service) Exchange(ctx context.Context, a *account.Account, code string) (_ *Tokens, err error) {
	defer errs.Wrap(&err, "oauth.Service.Exchange(%d)", a.ID)
	if err := s.CheckAccount(a); err != nil {
		return nil, err
	}
	if code == "" {
		return nil, coded(CodeCodeMissing)
	}
	g := Grant{}
	var exp, used int64
	err = db.Get(s.DB.WriterQueryRow(ctx, `SELECT account_id, person_id, openid, scope, expires_at, used_at FROM oauth_codes WHERE code = ?`, code),
		&g.AccountID, &g.PersonID, &g.OpenID, &g.Scope, &exp, &used)
	switch {
	case errors.Is(err, errs.NotFound), err == nil && g.AccountID != a.ID:
		return nil, coded(CodeInvalidCode)
	case err != nil:
		return nil, err
	case used != 0:
		return nil, coded(CodeCodeBeenUsed)
	}
	now := s.Clock.Now()
	if !now.Before(db.FromMicro(exp)) {
		return nil, coded(CodeCodeExpired)
	}
	res, err := s.DB.Exec(ctx, `UPDATE oauth_codes SET used_at = ? WHERE code = ? AND used_at = 0`, db.Micro(now), code)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, coded(CodeCodeBeenUsed)
	}
	return s.issue(ctx, g, "")
}

// Refresh gives a new access token for a refresh token of the account;
// the refresh token stays the same (and keeps its 30 days).
func (s *Service) Refresh(ctx context.Context, a *account.Account, refresh string) (_ *Tokens, err error) {
	defer errs.Wrap(&err, "oauth.Service.Refresh(%d)", a.ID)
	if err := s.CheckAccount(a); err != nil {
		return nil, err
	}
	g, err := s.lookup(ctx, refresh, "refresh")
	switch {
	case errors.Is(err, errs.NotFound), err == nil && g.AccountID != a.ID:
		return nil, coded(CodeInvalidRefreshToken)
	case err != nil:
		return nil, err
	case !s.Clock.Now().Before(g.Expires):
		return nil, coded(CodeRefreshTokenExpired)
	}
	return s.issue(ctx, *g, refresh)
}

// issue writes a web access token and, when refresh is "", a new refresh
// token.
func (s *Service) issue(ctx context.Context, g Grant, refresh string) (*Tokens, error) {
	now := s.Clock.Now()
	access := NewToken(48)
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO oauth_tokens (token, kind, account_id, person_id, openid, scope, expires_at) VALUES (?, 'access', ?, ?, ?, ?, ?)`,
			access, g.AccountID, g.PersonID, g.OpenID, g.Scope, db.Micro(now.Add(AccessTTL))); err != nil {
			return err
		}
		if refresh == "" {
			refresh = NewToken(48)
			_, err := tx.Exec(ctx, `INSERT INTO oauth_tokens (token, kind, account_id, person_id, openid, scope, expires_at) VALUES (?, 'refresh', ?, ?, ?, ?, ?)`,
				refresh, g.AccountID, g.PersonID, g.OpenID, g.Scope, db.Micro(now.Add(RefreshTTL)))
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	g.Expires = now.Add(AccessTTL)
	return &Tokens{Grant: g, Access: access, Refresh: refresh, AccessTTL: AccessTTL}, nil
}

// lookup finds a web token of a kind.
func (s *Service) lookup(ctx context.Context, token, kind string) (*Grant, error) {
	g := &Grant{}
	var exp int64
	err := db.Get(s.DB.QueryRow(ctx, `SELECT account_id, person_id, openid, scope, expires_at FROM oauth_tokens WHERE token = ? AND kind = ?`, token, kind),
		&g.AccountID, &g.PersonID, &g.OpenID, &g.Scope, &exp)
	g.Expires = db.FromMicro(exp)
	return g, err
}

// Lookup checks a web access token and the openid it is presented with:
// unknown (40001), expired (42001) or another person's openid (40003).
func (s *Service) Lookup(ctx context.Context, access, openid string) (_ *Grant, err error) {
	defer errs.Wrap(&err, "oauth.Service.Lookup(%q)", openid)
	g, err := s.lookup(ctx, access, "access")
	switch {
	case errors.Is(err, errs.NotFound):
		return nil, coded(CodeInvalidCredential)
	case err != nil:
		return nil, err
	case !s.Clock.Now().Before(g.Expires):
		return nil, coded(CodeAccessTokenExpired)
	case openid != g.OpenID:
		return nil, coded(CodeInvalidOpenID)
	}
	return g, nil
}

// Profile is what snsapi_userinfo shows of a person.
type Profile struct {
	Nickname string
	Avatar   string // media path, "" without a profile picture
}

// UserInfo is the profile of the person behind a grant; only an
// snsapi_userinfo grant may read it (48001).
func (s *Service) UserInfo(ctx context.Context, g *Grant) (_ *Profile, err error) {
	defer errs.Wrap(&err, "oauth.Service.UserInfo(%d, %d)", g.AccountID, g.PersonID)
	if g.Scope != ScopeUserInfo {
		return nil, coded(CodeUnauthorized)
	}
	p := &Profile{}
	err = db.Get(s.DB.QueryRow(ctx, `SELECT display_name, avatar_path FROM people WHERE id = ?`, g.PersonID), &p.Nickname, &p.Avatar)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Avatar is the media path of the profile picture of the person behind an
// openid that web sign-in handed out: "" when there is none or no such
// openid.
func (s *Service) Avatar(ctx context.Context, openid string) (_ string, err error) {
	defer errs.Wrap(&err, "oauth.Service.Avatar(%q)", openid)
	var avatar string
	err = db.Get(s.DB.QueryRow(ctx, `SELECT p.avatar_path FROM follows f JOIN people p ON p.id = f.person_id WHERE f.openid = ?`, openid), &avatar)
	if errors.Is(err, errs.NotFound) {
		return "", nil
	}
	return avatar, err
}

// DeleteExpired drops web sign-in codes and tokens that expired more than
// an hour ago (run hourly); it returns how many.
func (s *Service) DeleteExpired(ctx context.Context) (_ int64, err error) {
	defer errs.Wrap(&err, "oauth.Service.DeleteExpired()")
	cut := db.Micro(s.Clock.Now().Add(-time.Hour))
	var n int64
	for _, q := range []string{`DELETE FROM oauth_codes WHERE expires_at < ?`, `DELETE FROM oauth_tokens WHERE expires_at < ?`} {
		res, err := s.DB.Exec(ctx, q, cut)
		if err != nil {
			return n, err
		}
		k, _ := res.RowsAffected()
		n += k
	}
	return n, nil
}

package oauth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/follow"
	"github.com/heraldoa/herald/internal/oauth"
	"github.com/heraldoa/herald/internal/user"
)

type fixture struct {
	ctx    context.Context
	clock  *clock.Offset
	oauth  *oauth.Service
	people *user.Store
	accts  *account.Store
	owner  int64
}

func setup(t *testing.T) *fixture {
	t.Helper()
	d := dbtest.New(t)
	c := &clock.Offset{}
	f := &fixture{ctx: context.Background(), clock: c, people: user.NewStore(d, c), accts: account.NewStore(d, c)}
	f.oauth = &oauth.Service{DB: d, Accounts: f.accts, Follows: follow.NewStore(d, c), Clock: c}
	f.owner = f.person(t, "owner").ID
	return f
}

func (f *fixture) person(t *testing.T, name string) *user.Person {
	t.Helper()
	p, err := f.people.Create(f.ctx, user.NewPerson{Username: name, DisplayName: name, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// account makes an active account; verified ones may use web sign-in
// when they are Service accounts.
func (f *fixture) account(t *testing.T, typ, name string, verified bool) *account.Account {
	t.Helper()
	a, err := f.accts.Create(f.ctx, account.NewAccount{Type: typ, Region: account.Domestic, Name: name, Status: account.StatusActive, OwnerID: f.owner})
	if err != nil {
		t.Fatal(err)
	}
	if verified {
		a.VerifiedUntil = f.clock.Now().Add(365 * 24 * time.Hour)
	}
	return a
}

// code issues a sign-in code of the account for the person.
func (f *fixture) code(t *testing.T, a *account.Account, personID int64, scope string) string {
	t.Helper()
	c, err := f.oauth.IssueCode(f.ctx, &oauth.Authorize{Account: a, RedirectURI: "https://app.example.com/cb", Scope: scope, State: "s"}, personID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func wantCode(t *testing.T, what string, err error, code int) {
	t.Helper()
	var e *oauth.Error
	if !errors.As(err, &e) || e.WXCode() != code {
		t.Fatalf("%s: %v, want errcode %d", what, err, code)
	}
}

func TestExchangeSpendsACodeOnce(t *testing.T) {
	f := setup(t)
	svc := f.account(t, account.Service, "svc", true)
	ada := f.person(t, "ada")
	code := f.code(t, svc, ada.ID, oauth.ScopeBase)

	other := f.account(t, account.Service, "other", true)
	wantCode(t, "another account's code", func() error { _, err := f.oauth.Exchange(f.ctx, other, code); return err }(), oauth.CodeInvalidCode)
	tok, err := f.oauth.Exchange(f.ctx, svc, code)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Access == "" || tok.Refresh == "" || tok.Access == tok.Refresh || tok.Scope != oauth.ScopeBase || tok.PersonID != ada.ID || tok.AccessTTL != 2*time.Hour {
		t.Fatalf("tokens: %+v", tok)
	}
	openid, err := f.oauth.Follows.OpenID(f.ctx, svc.ID, ada.ID)
	if err != nil || tok.OpenID != openid {
		t.Fatalf("openid %q, want the person's openid in the account %q (%v)", tok.OpenID, openid, err)
	}
	_, err = f.oauth.Exchange(f.ctx, svc, code)
	wantCode(t, "second exchange", err, oauth.CodeCodeBeenUsed)
	_, err = f.oauth.Exchange(f.ctx, svc, "")
	wantCode(t, "no code", err, oauth.CodeCodeMissing)
	_, err = f.oauth.Exchange(f.ctx, svc, "nope")
	wantCode(t, "unknown code", err, oauth.CodeInvalidCode)

	late := f.code(t, svc, ada.ID, oauth.ScopeBase)
	f.clock.Advance(oauth.CodeTTL)
	_, err = f.oauth.Exchange(f.ctx, svc, late)
	wantCode(t, "expired code", err, oauth.CodeCodeExpired)
}

func TestOnlyVerifiedServiceAccounts(t *testing.T) {
	f := setup(t)
	ada := f.person(t, "ada")
	for _, a := range []*account.Account{f.account(t, account.Service, "unverified", false), f.account(t, account.Subscription, "sub", true)} {
		code := f.code(t, a, ada.ID, oauth.ScopeBase)
		_, err := f.oauth.Exchange(f.ctx, a, code)
		wantCode(t, a.Name+" exchange", err, oauth.CodeUnauthorized)
		_, err = f.oauth.Refresh(f.ctx, a, "x")
		wantCode(t, a.Name+" refresh", err, oauth.CodeUnauthorized)
	}
}

func TestLookupRefreshAndUserInfo(t *testing.T) {
	f := setup(t)
	svc := f.account(t, account.Service, "svc", true)
	ada := f.person(t, "ada")
	if err := f.people.SetAvatar(f.ctx, ada.ID, "avatars/ada.png"); err != nil {
		t.Fatal(err)
	}
	base, err := f.oauth.Exchange(f.ctx, svc, f.code(t, svc, ada.ID, oauth.ScopeBase))
	if err != nil {
		t.Fatal(err)
	}
	g, err := f.oauth.Lookup(f.ctx, base.Access, base.OpenID)
	if err != nil || g.PersonID != ada.ID || g.AccountID != svc.ID {
		t.Fatalf("lookup: %+v %v", g, err)
	}
	_, err = f.oauth.Lookup(f.ctx, base.Access, "o-someone-else")
	wantCode(t, "another openid", err, oauth.CodeInvalidOpenID)
	_, err = f.oauth.Lookup(f.ctx, base.Refresh, base.OpenID)
	wantCode(t, "a refresh token as access token", err, oauth.CodeInvalidCredential)
	_, err = f.oauth.UserInfo(f.ctx, g)
	wantCode(t, "snsapi_base userinfo", err, oauth.CodeUnauthorized)

	full, err := f.oauth.Exchange(f.ctx, svc, f.code(t, svc, ada.ID, oauth.ScopeUserInfo))
	if err != nil {
		t.Fatal(err)
	}
	g, err = f.oauth.Lookup(f.ctx, full.Access, full.OpenID)
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.oauth.UserInfo(f.ctx, g)
	if err != nil || p.Nickname != "ada" || p.Avatar != "avatars/ada.png" {
		t.Fatalf("userinfo: %+v %v", p, err)
	}
	if av, err := f.oauth.Avatar(f.ctx, full.OpenID); err != nil || av != "avatars/ada.png" {
		t.Fatalf("avatar: %q %v", av, err)
	}
	if av, err := f.oauth.Avatar(f.ctx, "o-nobody"); err != nil || av != "" {
		t.Fatalf("avatar of nobody: %q %v", av, err)
	}

	// Refresh: a new access token under the same refresh token; the old
	// access token expires after two hours, the refresh token after 30 days.
	other := f.account(t, account.Service, "other", true)
	_, err = f.oauth.Refresh(f.ctx, other, full.Refresh)
	wantCode(t, "another account's refresh token", err, oauth.CodeInvalidRefreshToken)
	f.clock.Advance(oauth.AccessTTL)
	_, err = f.oauth.Lookup(f.ctx, full.Access, full.OpenID)
	wantCode(t, "expired access token", err, oauth.CodeAccessTokenExpired)
	again, err := f.oauth.Refresh(f.ctx, svc, full.Refresh)
	if err != nil || again.Refresh != full.Refresh || again.Access == full.Access || again.OpenID != full.OpenID || again.Scope != oauth.ScopeUserInfo {
		t.Fatalf("refresh: %+v %v", again, err)
	}
	if _, err := f.oauth.Lookup(f.ctx, again.Access, again.OpenID); err != nil {
		t.Fatalf("refreshed access token: %v", err)
	}
	f.clock.Advance(oauth.RefreshTTL)
	_, err = f.oauth.Refresh(f.ctx, svc, full.Refresh)
	wantCode(t, "expired refresh token", err, oauth.CodeRefreshTokenExpired)
}

func TestDeleteExpired(t *testing.T) {
	f := setup(t)
	svc := f.account(t, account.Service, "svc", true)
	ada := f.person(t, "ada")
	tok, err := f.oauth.Exchange(f.ctx, svc, f.code(t, svc, ada.ID, oauth.ScopeBase))
	if err != nil {
		t.Fatal(err)
	}
	unused := f.code(t, svc, ada.ID, oauth.ScopeBase)
	// Within the hour after expiry nothing goes.
	f.clock.Advance(oauth.CodeTTL + 30*time.Minute)
	if n, err := f.oauth.DeleteExpired(f.ctx); err != nil || n != 0 {
		t.Fatalf("clean-up within the hour: %d %v", n, err)
	}
	// Then the two codes, spent or not; later the access token; the
	// refresh token stays.
	f.clock.Advance(time.Hour)
	if n, err := f.oauth.DeleteExpired(f.ctx); err != nil || n != 2 {
		t.Fatalf("clean-up of codes: %d %v, want 2", n, err)
	}
	f.clock.Advance(oauth.AccessTTL)
	if n, err := f.oauth.DeleteExpired(f.ctx); err != nil || n != 1 {
		t.Fatalf("clean-up of the access token: %d %v, want 1", n, err)
	}
	_, err = f.oauth.Exchange(f.ctx, svc, unused)
	wantCode(t, "a code after the clean-up", err, oauth.CodeInvalidCode)
	if _, err := f.oauth.Refresh(f.ctx, svc, tok.Refresh); err != nil {
		t.Fatalf("refresh token after the clean-up: %v", err)
	}
}

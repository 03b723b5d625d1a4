package webapp_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/db/dbtest"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/user"
	"github.com/heraldoa/herald/internal/webapp"
)

type fixture struct {
	ctx      context.Context
	db       *db.DB
	apps     *webapp.Store
	accounts *account.Store
	owner    *user.Person
}

func setup(t *testing.T) *fixture {
	t.Helper()
	d := dbtest.New(t)
	c := clock.Real{}
	f := &fixture{ctx: context.Background(), db: d, apps: webapp.NewStore(d, c), accounts: account.NewStore(d, c)}
	p, err := user.NewStore(d, c).Create(f.ctx, user.NewPerson{Username: "owner", DisplayName: "owner", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	f.owner = p
	return f
}

// account makes an active account with web sign-in domains.
func (f *fixture) account(t *testing.T, typ, name string, hosts ...string) *account.Account {
	t.Helper()
	a, err := f.accounts.Create(f.ctx, account.NewAccount{Type: typ, Region: account.Domestic, Name: name, Status: account.StatusActive, OwnerID: f.owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		if _, err := f.db.Exec(f.ctx, `INSERT INTO oauth_domains (account_id, host) VALUES (?, ?)`, a.ID, h); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func wantField(t *testing.T, err error, field, contains string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.KindInvalid || e.Field != field || !strings.Contains(e.Message, contains) {
		t.Fatalf("got %v, want an invalid %s containing %q", err, field, contains)
	}
}

func (f *fixture) count(t *testing.T, accountID int64) int {
	t.Helper()
	list, err := f.apps.List(f.ctx, accountID)
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

// TestLinkDomainChecks: an app on a registered web sign-in domain is
// linked; one elsewhere, or on another account's domain, is refused with
// the reason, and nothing is stored.
func TestLinkDomainChecks(t *testing.T) {
	f := setup(t)
	tea := f.account(t, account.Service, "Tea House", "shop.tea.example", "127.0.0.1:8080")
	bank := f.account(t, account.Service, "Harbour Bank", "pay.bank.example")

	app, err := f.apps.Link(f.ctx, tea, webapp.Input{Name: " Tea shop ", URL: "https://SHOP.tea.example/start?from=herald"})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^wa[0-9a-f]{16}$`).MatchString(app.AppID) || app.Name != "Tea shop" || app.AccountID != tea.ID {
		t.Fatalf("linked %+v", app)
	}
	if _, err := f.apps.Link(f.ctx, tea, webapp.Input{Name: "Local", URL: "http://127.0.0.1:8080/"}); err != nil {
		t.Fatalf("a host with a port: %v", err)
	}
	for _, c := range []struct{ name, url, field, reason string }{
		{"elsewhere", "https://evil.example/", "url", "evil.example is not one of Tea House's web sign-in domains"},
		{"another account's domain", "https://pay.bank.example/", "url", "pay.bank.example is not one of Tea House's web sign-in domains"},
		{"a sub-domain is another host", "https://x.shop.tea.example/", "url", "not one of"},
		{"another port", "http://127.0.0.1:9090/", "url", "not one of"},
		{"not http", "ftp://shop.tea.example/", "url", "https://"},
		{"no scheme", "shop.tea.example/", "url", "https://"},
		{"user info", "https://me@shop.tea.example/", "url", "https://"},
		{"empty name", "https://shop.tea.example/", "name", "1 to 30"},
		{"long name", "https://shop.tea.example/", "name", "1 to 30"},
		{"long url", "https://shop.tea.example/" + strings.Repeat("a", 1100), "url", "at most 1024"},
	} {
		name := "Ok"
		if c.field == "name" {
			name = map[bool]string{true: "", false: strings.Repeat("茶", 31)}[c.name == "empty name"]
		}
		_, err := f.apps.Link(f.ctx, tea, webapp.Input{Name: name, URL: c.url})
		wantField(t, err, c.field, c.reason)
	}
	if n := f.count(t, tea.ID); n != 2 {
		t.Fatalf("tea has %d apps after refusals, want 2", n)
	}
	// The bank's own domain works for the bank.
	if _, err := f.apps.Link(f.ctx, bank, webapp.Input{Name: "Bank app", URL: "https://pay.bank.example/"}); err != nil {
		t.Fatal(err)
	}
	// A Subscription account cannot link, with the reason.
	daily := f.account(t, account.Subscription, "Daily News", "news.example")
	if _, err := f.apps.Link(f.ctx, daily, webapp.Input{Name: "Reader", URL: "https://news.example/"}); !errors.Is(err, webapp.ErrSubscription) {
		t.Fatalf("subscription link: %v", err)
	}
	// Editing re-checks the domain and keeps the app as it was when refused.
	if _, _, err := f.apps.Update(f.ctx, tea, app.ID, webapp.Input{Name: "Tea shop", URL: "https://pay.bank.example/"}); err == nil {
		t.Fatal("moved an app to another account's domain")
	}
	got, err := f.apps.Get(f.ctx, tea.ID, app.ID)
	if err != nil || got.URL != "https://SHOP.tea.example/start?from=herald" {
		t.Fatalf("after a refused edit: %+v %v", got, err)
	}
	_, after, err := f.apps.Update(f.ctx, tea, app.ID, webapp.Input{Name: "Tea shop 2", URL: "https://shop.tea.example/v2", IconKey: "webapps/1/i.png", IconType: "image/png"})
	if err != nil || after.Name != "Tea shop 2" || after.URL != "https://shop.tea.example/v2" || after.IconKey != "webapps/1/i.png" || after.AppID != app.AppID {
		t.Fatalf("edit: %+v %v", after, err)
	}
	// An edit without a new icon keeps the icon.
	if _, after, err = f.apps.Update(f.ctx, tea, app.ID, webapp.Input{Name: "Tea shop 3", URL: "https://shop.tea.example/v2"}); err != nil || after.IconKey != "webapps/1/i.png" {
		t.Fatalf("edit keeps icon: %+v %v", after, err)
	}
}

// TestLimit: at most 13 apps per account.
func TestLimit(t *testing.T) {
	f := setup(t)
	tea := f.account(t, account.Service, "Tea House", "shop.tea.example")
	for i := range webapp.MaxApps {
		if _, err := f.apps.Link(f.ctx, tea, webapp.Input{Name: fmt.Sprint("App ", i), URL: "https://shop.tea.example/"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.apps.Link(f.ctx, tea, webapp.Input{Name: "One more", URL: "https://shop.tea.example/"}); errs.KindOf(err) != errs.KindConflict {
		t.Fatalf("14th app: %v", err)
	}
}

// TestTenantIsolation: another account's app ids answer "not found" for
// reading, editing, unlinking and appid look-ups, and change nothing.
func TestTenantIsolation(t *testing.T) {
	f := setup(t)
	tea := f.account(t, account.Service, "Tea House", "shop.tea.example")
	bank := f.account(t, account.Service, "Harbour Bank", "shop.tea.example") // the same host, registered by both
	app, err := f.apps.Link(f.ctx, tea, webapp.Input{Name: "Tea shop", URL: "https://shop.tea.example/"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.apps.Get(f.ctx, bank.ID, app.ID); !errors.Is(err, errs.NotFound) {
		t.Fatalf("bank reads tea's app: %v", err)
	}
	if _, err := f.apps.ByAppID(f.ctx, bank.ID, app.AppID); !errors.Is(err, errs.NotFound) {
		t.Fatalf("bank finds tea's appid: %v", err)
	}
	if _, _, err := f.apps.Update(f.ctx, bank, app.ID, webapp.Input{Name: "Mine now", URL: "https://shop.tea.example/"}); !errors.Is(err, errs.NotFound) {
		t.Fatalf("bank edits tea's app: %v", err)
	}
	if _, err := f.apps.Unlink(f.ctx, bank.ID, app.ID); !errors.Is(err, errs.NotFound) {
		t.Fatalf("bank unlinks tea's app: %v", err)
	}
	if list, err := f.apps.List(f.ctx, bank.ID); err != nil || len(list) != 0 {
		t.Fatalf("bank lists %v %v", list, err)
	}
	got, err := f.apps.ByAppID(f.ctx, 0, app.AppID)
	if err != nil || got.Name != "Tea shop" || got.AccountID != tea.ID {
		t.Fatalf("tea's app after bank's attempts: %+v %v", got, err)
	}
	if _, err := f.apps.Unlink(f.ctx, tea.ID, app.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.apps.ByAppID(f.ctx, 0, app.AppID); !errors.Is(err, errs.NotFound) {
		t.Fatalf("unlinked app still found: %v", err)
	}
}

func TestPage(t *testing.T) {
	app := &webapp.App{URL: "https://shop.tea.example/app/index?x=1"}
	for in, want := range map[string]string{
		"":                        "https://shop.tea.example/app/index?x=1",
		"cart":                    "https://shop.tea.example/app/cart",
		"pages/cart?item=3":       "https://shop.tea.example/app/pages/cart?item=3",
		"/menu":                   "https://shop.tea.example/menu",
		"//evil.example/x":        "https://shop.tea.example/app/index?x=1",
		"https://evil.example/":   "https://shop.tea.example/app/index?x=1",
		"javascript:alert(1)":     "https://shop.tea.example/app/index?x=1",
		`/\evil.example`:          "https://shop.tea.example/app/index?x=1",
		"../../../../etc/passwd":  "https://shop.tea.example/etc/passwd",
		"http://shop.tea.example": "https://shop.tea.example/app/index?x=1",
	} {
		if got := app.Page(in); got != want {
			t.Errorf("Page(%q) = %q, want %q", in, got, want)
		}
	}
}

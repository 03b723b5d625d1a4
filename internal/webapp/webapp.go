// Package webapp holds an account's linked web apps, Herald's
// "mini-programs" (docs/payments.md, "Linked web apps"). A Service account
// links a web app (name, URL, icon) that lives on one of its web sign-in
// domains; the app gets an appid-like id (wa + 16 hex) that menus'
// miniprogram buttons and articles name. Followers open it from the
// account's profile, its menu or an article; the web app signs them in
// through web sign-in (OAuth2) and can start payments through the
// WeChat Pay v3-shaped API.
package webapp

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

// Limits.
const (
	// MaxApps is how many web apps an account may link: WeChat allows 10
	// mini-programs of the same entity and 3 of others; Herald has no
	// entities, so the total.
	MaxApps      = 13
	MaxNameRunes = 30 // as a mini-program name
	MaxURLBytes  = 1024
)

// App is a linked web app.
type App struct {
	ID        int64
	AccountID int64
	AppID     string // wa + 16 hex: what menus' miniprogram buttons name
	Name      string
	URL       string // the page a follower opens
	IconKey   string // media store key, "" for none
	IconType  string
	Opens     int64 // times followers opened it
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Host is the app's host (with port, if any).
func (a *App) Host() string {
	u, err := url.Parse(a.URL)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// Page resolves a page path (a menu button's pagepath, "pages/cart" or
// "/cart?x=1") against the app's URL. A path that would leave the app's
// origin, or that cannot be read, gives the app's URL itself.
func (a *App) Page(pagepath string) string {
	base, err := url.Parse(a.URL)
	if err != nil {
		return a.URL
	}
	pagepath = strings.TrimSpace(pagepath)
	if pagepath == "" {
		return a.URL
	}
	ref, err := url.Parse(pagepath)
	if err != nil || ref.Scheme != "" || ref.Host != "" || ref.User != nil || strings.HasPrefix(pagepath, "//") || strings.Contains(pagepath, `\`) {
		return a.URL
	}
	out := base.ResolveReference(ref)
	if out.Scheme != base.Scheme || !strings.EqualFold(out.Host, base.Host) {
		return a.URL
	}
	return out.String()
}

// Input is what the console submits.
type Input struct {
	Name     string
	URL      string
	IconKey  string // "" keeps the current icon
	IconType string
}

// Errors.
var (
	ErrSubscription = errs.Conflictf("Linked web apps are a Service account feature: they sign followers in with web sign-in and take payments, which Subscription accounts cannot. A Service account can link web apps.")
	ErrNotFound     = errs.NotFoundf("There is no such linked web app.")
)

// Store reads and writes linked web apps.
type Store struct {
	db    *db.DB
	clock clock.Clock
}

// NewStore returns a Store.
func NewStore(d *db.DB, c clock.Clock) *Store { return &Store{db: d, clock: c} }

const cols = `id, account_id, appid, name, url, icon_key, icon_type, opens, created_at, updated_at`

func scan(sc interface{ Scan(...any) error }) (*App, error) {
	var a App
	var created, updated int64
	if err := sc.Scan(&a.ID, &a.AccountID, &a.AppID, &a.Name, &a.URL, &a.IconKey, &a.IconType, &a.Opens, &created, &updated); err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = db.FromMicro(created), db.FromMicro(updated)
	return &a, nil
}

// List returns the account's linked web apps, oldest first.
func (s *Store) List(ctx context.Context, accountID int64) (_ []*App, err error) {
	defer errs.Wrap(&err, "webapp.Store.List(%d)", accountID)
	rows, err := s.db.Query(ctx, `SELECT `+cols+` FROM webapps WHERE account_id = ? ORDER BY id`, accountID)
	return db.Collect(rows, err, func(r *sql.Rows) (*App, error) { return scan(r) })
}

func (s *Store) one(ctx context.Context, where string, args ...any) (*App, error) {
	rows, err := s.db.Query(ctx, `SELECT `+cols+` FROM webapps WHERE `+where, args...)
	list, err := db.Collect(rows, err, func(r *sql.Rows) (*App, error) { return scan(r) })
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, ErrNotFound
	}
	return list[0], nil
}

// Get returns one of the account's apps by its row id; another account's
// app is ErrNotFound.
func (s *Store) Get(ctx context.Context, accountID, appID int64) (_ *App, err error) {
	defer errs.Wrap(&err, "webapp.Store.Get(%d, %d)", accountID, appID)
	return s.one(ctx, `account_id = ? AND id = ?`, accountID, appID)
}

// ByAppID returns the app with an appid, whatever its account (0), or only
// if it is accountID's.
func (s *Store) ByAppID(ctx context.Context, accountID int64, appid string) (_ *App, err error) {
	defer errs.Wrap(&err, "webapp.Store.ByAppID(%d, %q)", accountID, appid)
	if accountID == 0 {
		return s.one(ctx, `appid = ?`, appid)
	}
	return s.one(ctx, `account_id = ? AND appid = ?`, accountID, appid)
}

// Domains lists the account's web sign-in domains (the hosts a linked app
// may live on): the same list web sign-in checks redirect_uri against.
func (s *Store) Domains(ctx context.Context, accountID int64) (_ []string, err error) {
	defer errs.Wrap(&err, "webapp.Store.Domains(%d)", accountID)
	rows, err := s.db.Query(ctx, `SELECT host FROM oauth_domains WHERE account_id = ? ORDER BY host`, accountID)
	return db.Collect(rows, err, func(r *sql.Rows) (string, error) {
		var h string
		return h, r.Scan(&h)
	})
}

// OnDomain reports whether rawURL's host is one of the account's web
// sign-in domains.
func (s *Store) OnDomain(ctx context.Context, accountID int64, rawURL string) (_ bool, err error) {
	defer errs.Wrap(&err, "webapp.Store.OnDomain(%d)", accountID)
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return false, nil
	}
	hosts, err := s.Domains(ctx, accountID)
	if err != nil {
		return false, err
	}
	for _, h := range hosts {
		if strings.EqualFold(h, u.Host) {
			return true, nil
		}
	}
	return false, nil
}

// check validates in for account a and returns the cleaned input.
func (s *Store) check(ctx context.Context, a *account.Account, in Input) (Input, error) {
	if !a.IsService() {
		return in, ErrSubscription
	}
	in.Name, in.URL = strings.TrimSpace(in.Name), strings.TrimSpace(in.URL)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > MaxNameRunes {
		return in, errs.FieldInvalid("name", "A web app's name has 1 to %d characters.", MaxNameRunes)
	}
	if in.URL == "" || len(in.URL) > MaxURLBytes {
		return in, errs.FieldInvalid("url", "Give the web app's address, at most %d bytes.", MaxURLBytes)
	}
	u, err := url.Parse(in.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return in, errs.FieldInvalid("url", "The address must be a full https:// (or http://) address, like https://shop.example.com/.")
	}
	ok, err := s.OnDomain(ctx, a.ID, in.URL)
	if err != nil {
		return in, err
	}
	if !ok {
		return in, errs.FieldInvalid("url", "%s is not one of %s's web sign-in domains. Register the domain under Developer → Web sign-in first: a linked web app must live on a domain the account has registered.", strings.ToLower(u.Host), a.Name)
	}
	return in, nil
}

func newAppID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "wa" + hex.EncodeToString(b)
}

// Link links a new web app to account a.
func (s *Store) Link(ctx context.Context, a *account.Account, in Input) (_ *App, err error) {
	defer errs.Wrap(&err, "webapp.Store.Link(%d)", a.ID)
	in, err = s.check(ctx, a, in)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	app := &App{ID: id.New(), AccountID: a.ID, AppID: newAppID(), Name: in.Name, URL: in.URL, IconKey: in.IconKey, IconType: in.IconType,
		CreatedAt: now, UpdatedAt: now}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var n int
		if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*) FROM webapps WHERE account_id = ?`, a.ID), &n); err != nil {
			return err
		}
		if n >= MaxApps {
			return errs.Conflictf("An account links at most %d web apps. Unlink one first.", MaxApps)
		}
		_, err := tx.Exec(ctx, `INSERT INTO webapps (`+cols+`) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
			app.ID, app.AccountID, app.AppID, app.Name, app.URL, app.IconKey, app.IconType, db.Micro(now), db.Micro(now))
		return err
	})
	if err != nil {
		return nil, err
	}
	return app, nil
}

// Update changes a linked app's name, URL and (when in.IconKey is set)
// icon. It returns the app as it was before, so the caller can delete a
// replaced icon.
func (s *Store) Update(ctx context.Context, a *account.Account, appID int64, in Input) (before, after *App, err error) {
	defer errs.Wrap(&err, "webapp.Store.Update(%d, %d)", a.ID, appID)
	if before, err = s.Get(ctx, a.ID, appID); err != nil {
		return nil, nil, err
	}
	if in, err = s.check(ctx, a, in); err != nil {
		return before, nil, err
	}
	key, typ := before.IconKey, before.IconType
	if in.IconKey != "" {
		key, typ = in.IconKey, in.IconType
	}
	now := s.clock.Now()
	res, err := s.db.Exec(ctx, `UPDATE webapps SET name = ?, url = ?, icon_key = ?, icon_type = ?, updated_at = ? WHERE account_id = ? AND id = ?`,
		in.Name, in.URL, key, typ, db.Micro(now), a.ID, appID)
	if err != nil {
		return before, nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return before, nil, ErrNotFound
	}
	after, err = s.Get(ctx, a.ID, appID)
	return before, after, err
}

// Unlink removes a linked app; it returns the app as it was.
func (s *Store) Unlink(ctx context.Context, accountID, appID int64) (_ *App, err error) {
	defer errs.Wrap(&err, "webapp.Store.Unlink(%d, %d)", accountID, appID)
	app, err := s.Get(ctx, accountID, appID)
	if err != nil {
		return nil, err
	}
	res, err := s.db.Exec(ctx, `DELETE FROM webapps WHERE account_id = ? AND id = ?`, accountID, appID)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, ErrNotFound
	}
	return app, nil
}

// CountOpen adds one to the app's open counter.
func (s *Store) CountOpen(ctx context.Context, app *App) (err error) {
	defer errs.Wrap(&err, "webapp.Store.CountOpen(%d, %d)", app.ID, app.AccountID)
	_, err = s.db.Exec(ctx, `UPDATE webapps SET opens = opens + 1 WHERE id = ?`, app.ID)
	return err
}

// Package apitoken holds the developer API's access tokens with WeChat's
// semantics: /cgi-bin/token tokens live 7200 s and the previous one stays
// valid five minutes after a newer one is issued; stable tokens
// (/cgi-bin/stable_token) are a separate family that is reused until five
// minutes before expiry, with force_refresh limited to 20 a day and one per
// 30 s. Tokens are checked on every API call, so they are cached in memory;
// the cache is updated in the same process whenever a token is issued.
package apitoken

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// Token families.
const (
	Normal = "normal"
	Stable = "stable"
)

// Token rules, as on WeChat.
const (
	TTL                 = 7200 * time.Second
	Grace               = 5 * time.Minute  // a superseded token stays valid this long
	StableRenewBefore   = 5 * time.Minute  // a stable token is renewed this long before expiry
	MaxForcePerDay      = 20               // stable_token force_refresh per day
	ForceSpacing        = 30 * time.Second // between two force refreshes
	MaxClearQuotaMonth  = 10               // clear_quota per month
	cleanupAfterExpired = time.Hour
)

// Errors. The developer API maps them to 40001, 42001, 45009, 45011 and 48006.
var (
	ErrInvalid      = errs.New(errs.KindUnauthorized, "The access token is invalid or not the latest.")
	ErrExpired      = errs.New(errs.KindUnauthorized, "The access token has expired.")
	ErrForceDaily   = errs.TooManyf("force_refresh is allowed %d times a day.", MaxForcePerDay)
	ErrForceTooSoon = errs.TooManyf("force_refresh is allowed once every %d seconds.", int(ForceSpacing/time.Second))
	ErrClearLimit   = errs.TooManyf("Quotas can be cleared %d times a month.", MaxClearQuotaMonth)
)

// Token is an issued access token.
type Token struct {
	Value        string
	AccountID    int64
	Kind         string
	ExpiresAt    time.Time
	SupersededAt time.Time // zero while it is the newest of its family
}

// Check reports whether the token may be used at now: ErrExpired after its
// 7200 s, ErrInvalid five minutes after a newer token replaced it.
func (t *Token) Check(now time.Time) error {
	if !t.SupersededAt.IsZero() && !now.Before(t.SupersededAt.Add(Grace)) {
		return ErrInvalid
	}
	if !now.Before(t.ExpiresAt) {
		return ErrExpired
	}
	return nil
}

// ExpiresIn is the number of seconds left at now.
func (t *Token) ExpiresIn(now time.Time) int64 {
	s := int64(t.ExpiresAt.Sub(now) / time.Second)
	if s < 0 {
		return 0
	}
	return s
}

// Store issues and checks tokens.
type Store struct {
	db    *db.DB
	clock clock.Clock

	mu    sync.RWMutex
	cache map[string]*cached // replaced, never mutated in place
}

// cached is a token as last read; a current token is read again after
// recheckAfter, so that a newer token issued by another Herald process
// (several nodes on one PostgreSQL) supersedes it here too.
type cached struct {
	Token
	readAt time.Time
}

var recheckAfter = 10 * time.Second

// NewStore returns a Store.
func NewStore(d *db.DB, c clock.Clock) *Store {
	return &Store{db: d, clock: c, cache: map[string]*cached{}}
}

func newValue() string {
	b := make([]byte, 102) // 136 base64url characters, like WeChat's tokens
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Issue creates a new /cgi-bin/token token for the account. The previous
// one of the same family stays valid for Grace.
func (s *Store) Issue(ctx context.Context, accountID int64) (_ *Token, err error) {
	defer errs.Wrap(&err, "apitoken.Store.Issue(%d)", accountID)
	return s.issue(ctx, accountID, Normal, false)
}

func (s *Store) issue(ctx context.Context, accountID int64, kind string, revokeNow bool) (*Token, error) {
	now := s.clock.Now()
	t := &Token{Value: newValue(), AccountID: accountID, Kind: kind, ExpiresAt: now.Add(TTL)}
	superseded := now
	if revokeNow {
		superseded = now.Add(-Grace) // force_refresh: the old stable token stops at once
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM api_tokens WHERE account_id = ? AND kind = ? AND (expires_at < ? OR (superseded_at <> 0 AND superseded_at < ?))`,
			accountID, kind, db.Micro(now.Add(-cleanupAfterExpired)), db.Micro(now.Add(-cleanupAfterExpired))); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE api_tokens SET superseded_at = ? WHERE account_id = ? AND kind = ? AND superseded_at = 0`,
			db.Micro(superseded), accountID, kind); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO api_tokens (token, account_id, kind, expires_at, created_at) VALUES (?, ?, ?, ?, ?)`,
			t.Value, accountID, kind, db.Micro(t.ExpiresAt), db.Micro(now))
		return err
	})
	if err != nil {
		return nil, err
	}
	readAt := time.Now()
	s.mu.Lock()
	for k, old := range s.cache {
		if old.AccountID == accountID && old.Kind == kind && old.SupersededAt.IsZero() {
			c := *old
			c.SupersededAt = superseded
			s.cache[k] = &c
		}
		if !now.Before(old.ExpiresAt.Add(cleanupAfterExpired)) {
			delete(s.cache, k)
		}
	}
	s.cache[t.Value] = &cached{Token: *t, readAt: readAt}
	s.mu.Unlock()
	return t, nil
}

// StableToken returns the account's stable token: the current one while it
// has more than StableRenewBefore left, else a new one. force replaces it
// at once (at most MaxForcePerDay a day, ForceSpacing apart).
func (s *Store) StableToken(ctx context.Context, accountID int64, force bool) (_ *Token, err error) {
	defer errs.Wrap(&err, "apitoken.Store.StableToken(%d)", accountID)
	now := s.clock.Now()
	if force {
		day := Day(now)
		var fday string
		var count int
		var at int64
		err := db.Get(s.db.QueryRow(ctx, `SELECT force_day, force_count, force_at FROM api_state WHERE account_id = ?`, accountID), &fday, &count, &at)
		if err != nil && !errors.Is(err, errs.NotFound) {
			return nil, err
		}
		if fday != day {
			count = 0
		}
		if count >= MaxForcePerDay {
			return nil, ErrForceDaily
		}
		if at != 0 && now.Sub(db.FromMicro(at)) < ForceSpacing {
			return nil, ErrForceTooSoon
		}
		if _, err := s.db.Exec(ctx, `INSERT INTO api_state (account_id, force_day, force_count, force_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (account_id) DO UPDATE SET force_day = excluded.force_day, force_count = excluded.force_count, force_at = excluded.force_at`,
			accountID, day, count+1, db.Micro(now)); err != nil {
			return nil, err
		}
		return s.issue(ctx, accountID, Stable, true)
	}
	var value string
	var exp int64
	err = db.Get(s.db.QueryRow(ctx, `SELECT token, expires_at FROM api_tokens WHERE account_id = ? AND kind = 'stable' AND superseded_at = 0
		ORDER BY created_at DESC LIMIT 1`, accountID), &value, &exp)
	if err == nil && db.FromMicro(exp).Sub(now) > StableRenewBefore {
		return &Token{Value: value, AccountID: accountID, Kind: Stable, ExpiresAt: db.FromMicro(exp)}, nil
	}
	if err != nil && !errors.Is(err, errs.NotFound) {
		return nil, err
	}
	return s.issue(ctx, accountID, Stable, false)
}

// Check returns the token if it may be used now, else ErrInvalid (unknown
// or superseded) or ErrExpired.
func (s *Store) Check(ctx context.Context, value string) (_ *Token, err error) {
	defer errs.Wrap(&err, "apitoken.Store.Check()")
	now := s.clock.Now()
	s.mu.RLock()
	c, ok := s.cache[value]
	s.mu.RUnlock()
	if ok && c.SupersededAt.IsZero() && time.Since(c.readAt) > recheckAfter {
		ok = false // still the newest here; ask the database again
	}
	var t *Token
	if ok {
		t = &c.Token
	} else {
		if len(value) > 512 {
			return nil, ErrInvalid
		}
		var tk Token
		var exp, sup int64
		err := db.Get(s.db.QueryRow(ctx, `SELECT token, account_id, kind, expires_at, superseded_at FROM api_tokens WHERE token = ?`, value),
			&tk.Value, &tk.AccountID, &tk.Kind, &exp, &sup)
		if errors.Is(err, errs.NotFound) {
			return nil, ErrInvalid
		}
		if err != nil {
			return nil, err
		}
		tk.ExpiresAt = db.FromMicro(exp)
		if sup != 0 {
			tk.SupersededAt = db.FromMicro(sup)
		}
		t = &tk
		s.mu.Lock()
		s.cache[value] = &cached{Token: tk, readAt: time.Now()}
		s.mu.Unlock()
	}
	if err := t.Check(now); err != nil {
		return nil, err
	}
	return t, nil
}

// Forget drops every cached token of an account (after its AppSecret was
// reset, for example); the next check reads the database again.
func (s *Store) Forget(accountID int64) {
	s.mu.Lock()
	for k, t := range s.cache {
		if t.AccountID == accountID {
			delete(s.cache, k)
		}
	}
	s.mu.Unlock()
}

// Day is the quota day of t: WeChat's quotas reset at midnight Beijing time.
// Every counted API call asks, so the last day's text is kept and reused
// while t stays within that day.
func Day(t time.Time) string {
	n := t.Unix() + 8*3600 // Beijing has no daylight saving time
	if d := lastDay.Load(); d != nil && n >= d.from && n < d.from+86400 {
		return d.text
	}
	from := n - ((n%86400)+86400)%86400
	text := t.In(clock.Beijing).Format("2006-01-02")
	lastDay.Store(&dayText{from: from, text: text})
	return text
}

// dayText is a Beijing day: its first second (in Unix seconds shifted by
// eight hours) and its text.
type dayText struct {
	from int64
	text string
}

var lastDay atomic.Pointer[dayText]

// Month is the clear_quota month of t.
func Month(t time.Time) string { return t.In(clock.Beijing).Format("2006-01") }

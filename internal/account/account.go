// Package account holds Official Accounts: their identity (type, region,
// name), status, verification and members. The application and review
// workflow that creates and verifies accounts builds on this store.
package account

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

// Account types.
const (
	Subscription = "subscription"
	Service      = "service"
)

// Regions. An account's region is fixed forever once set.
const (
	Domestic      = "domestic"
	International = "international"
)

// Statuses.
const (
	StatusPending    = "pending"    // applied, not yet approved: invisible to followers
	StatusActive     = "active"     // approved and working
	StatusRejected   = "rejected"   // the application was refused
	StatusSuspended  = "suspended"  // a penalty hides it and freezes its API
	StatusTerminated = "terminated" // permanently closed
)

// Member roles within an account.
const (
	RoleOwner     = "owner"
	RoleAdmin     = "admin"
	RolePublisher = "publisher"
	RoleAgent     = "agent"
	RoleAnalyst   = "analyst"
)

// Roles lists the member roles, most powerful first.
var Roles = []string{RoleOwner, RoleAdmin, RolePublisher, RoleAgent, RoleAnalyst}

// Account is an Official Account.
type Account struct {
	ID              int64
	Type            string
	Region          string
	Name            string
	Description     string
	AvatarPath      string
	Organisation    string
	Status          string
	VerifiedUntil   time.Time
	AppID           string
	OriginalID      string
	Timezone        string
	FollowerCount   int64
	LastPublishedAt time.Time
	CreatedAt       time.Time
}

// Verified reports whether the account carries the verification badge at t.
func (a *Account) Verified(t time.Time) bool {
	return !a.VerifiedUntil.IsZero() && t.Before(a.VerifiedUntil)
}

// IsService reports whether this is a Service account.
func (a *Account) IsService() bool { return a.Type == Service }

// Location returns the account's time zone (UTC when unknown).
func (a *Account) Location() *time.Location {
	if loc, err := time.LoadLocation(a.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// Store reads and writes accounts.
type Store struct {
	db    *db.DB
	clock clock.Clock
}

// NewStore returns a Store.
func NewStore(d *db.DB, c clock.Clock) *Store { return &Store{db: d, clock: c} }

// NormalizeName folds case, full-width forms and surrounding or repeated
// space, so that "Lotus Tea", "ＬＯＴＵＳ　tea " and "lotus  tea" are one name.
func NormalizeName(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == 0x3000:
			r = ' '
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		}
		if unicode.IsSpace(r) {
			if !space {
				b.WriteRune(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(unicode.ToLower(r))
	}
	return strings.TrimSpace(b.String())
}

// ValidateName checks the account name rules: 2 to 30 characters, letters,
// digits, spaces and a few punctuation marks.
func ValidateName(name string) error {
	name = strings.TrimSpace(name)
	n := utf8.RuneCountInString(name)
	if n < 2 || n > 30 {
		return errs.FieldInvalid("name", "An account name has 2 to 30 characters.")
	}
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSpace(r) || strings.ContainsRune("-_·&'.()（）", r) {
			continue
		}
		return errs.FieldInvalid("name", "An account name uses letters, digits, spaces and - _ · & ' . ( ) only.")
	}
	return nil
}

// NewAccount is the input of Create.
type NewAccount struct {
	Type, Region, Name, Description, Organisation string
	Status                                        string // default pending
	OwnerID                                       int64
}

// Create adds an account with its owner as first member.
func (s *Store) Create(ctx context.Context, in NewAccount) (*Account, error) {
	if in.Type != Subscription && in.Type != Service {
		return nil, errs.FieldInvalid("type", "Choose Subscription or Service.")
	}
	if in.Region != Domestic && in.Region != International {
		return nil, errs.FieldInvalid("region", "Choose domestic or international.")
	}
	if err := ValidateName(in.Name); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(in.Description) > 120 {
		return nil, errs.FieldInvalid("description", "A description has at most 120 characters.")
	}
	if in.Status == "" {
		in.Status = StatusPending
	}
	now := s.clock.Now()
	a := &Account{ID: id.New(), Type: in.Type, Region: in.Region, Name: strings.TrimSpace(in.Name), Description: strings.TrimSpace(in.Description),
		Organisation: in.Organisation, Status: in.Status, Timezone: "Asia/Shanghai", CreatedAt: now}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO accounts (id, type, region, name, name_key, description, organisation, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.Type, a.Region, a.Name, NormalizeName(a.Name), a.Description, a.Organisation, a.Status, db.Micro(now), db.Micro(now))
		if db.IsUniqueViolation(err) {
			return errs.FieldInvalid("name", "That account name is already taken.")
		}
		if err != nil {
			return err
		}
		if in.OwnerID != 0 {
			_, err = tx.Exec(ctx, `INSERT INTO account_members (account_id, person_id, role, created_at) VALUES (?, ?, ?, ?)`, a.ID, in.OwnerID, RoleOwner, db.Micro(now))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Cols is the column list that Scan reads, for stores that join accounts.
const Cols = `a.id, a.type, a.region, a.name, a.description, a.avatar_path, a.organisation, a.status, a.verified_until,
	COALESCE(a.appid, ''), COALESCE(a.original_id, ''), a.timezone, a.follower_count, a.last_published_at, a.created_at`

// Scan reads the columns listed in Cols.
func Scan(sc interface{ Scan(...any) error }) (*Account, error) {
	var a Account
	var verified, last, created int64
	err := sc.Scan(&a.ID, &a.Type, &a.Region, &a.Name, &a.Description, &a.AvatarPath, &a.Organisation, &a.Status, &verified,
		&a.AppID, &a.OriginalID, &a.Timezone, &a.FollowerCount, &last, &created)
	if err != nil {
		if errors.Is(err, errNoRows) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	a.VerifiedUntil, a.LastPublishedAt, a.CreatedAt = db.FromMicro(verified), db.FromMicro(last), db.FromMicro(created)
	return &a, nil
}

// ByID returns an account.
func (s *Store) ByID(ctx context.Context, accountID int64) (*Account, error) {
	return Scan(s.db.QueryRow(ctx, `SELECT `+Cols+` FROM accounts a WHERE a.id = ?`, accountID))
}

// ByAppID returns the account with a developer AppID.
func (s *Store) ByAppID(ctx context.Context, appid string) (*Account, error) {
	return Scan(s.db.QueryRow(ctx, `SELECT `+Cols+` FROM accounts a WHERE a.appid = ?`, appid))
}

// ByOriginalID returns the account with an original id (gh_...).
func (s *Store) ByOriginalID(ctx context.Context, originalID string) (*Account, error) {
	return Scan(s.db.QueryRow(ctx, `SELECT `+Cols+` FROM accounts a WHERE a.original_id = ?`, originalID))
}

// Membership is an account seen by one of its members.
type Membership struct {
	Account *Account
	Role    string
}

// ForMember lists the accounts a person belongs to, with their role.
func (s *Store) ForMember(ctx context.Context, personID int64) ([]Membership, error) {
	rows, err := s.db.Query(ctx, `SELECT `+Cols+`, m.role FROM accounts a JOIN account_members m ON m.account_id = a.id
		WHERE m.person_id = ? ORDER BY a.name_key`, personID)
	return db.Collect(rows, err, func(r *sqlRows) (Membership, error) {
		var role string
		a, err := Scan(scanWith(r, &role))
		return Membership{Account: a, Role: role}, err
	})
}

// Role returns the person's role in the account, or errs.Forbidden.
func (s *Store) Role(ctx context.Context, accountID, personID int64) (string, error) {
	var role string
	err := db.Get(s.db.QueryRow(ctx, `SELECT role FROM account_members WHERE account_id = ? AND person_id = ?`, accountID, personID), &role)
	if errors.Is(err, db.ErrNotFound) {
		return "", errs.Forbiddenf("You are not a member of this account.")
	}
	return role, err
}

// Search finds active accounts whose normalised name contains q, verified
// accounts first, then by follower count.
func (s *Store) Search(ctx context.Context, q string, limit int) ([]*Account, error) {
	key := NormalizeName(q)
	if key == "" {
		return nil, nil
	}
	now := db.Micro(s.clock.Now())
	rows, err := s.db.Query(ctx, `SELECT `+Cols+` FROM accounts a
		WHERE a.status = 'active' AND a.name_key LIKE ? ESCAPE '\'
		ORDER BY CASE WHEN a.verified_until > ? THEN 0 ELSE 1 END, CASE WHEN a.name_key = ? THEN 0 ELSE 1 END, a.follower_count DESC, a.name_key
		LIMIT ?`, "%"+db.EscapeLike(key)+"%", now, key, limit)
	return db.Collect(rows, err, func(r *sqlRows) (*Account, error) { return Scan(r) })
}

// Credentials are an account's developer identity. The secret is shown once.
type Credentials struct {
	AppID, AppSecret, OriginalID string
}

// IssueCredentials gives an account an AppID and original id (if it has
// none) and a new AppSecret, storing only the secret's hash.
func (s *Store) IssueCredentials(ctx context.Context, accountID int64) (*Credentials, error) {
	a, err := s.ByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	c := &Credentials{AppID: a.AppID, OriginalID: a.OriginalID, AppSecret: randHex(16)}
	if c.AppID == "" {
		c.AppID = "wx" + randHex(8)
	}
	if c.OriginalID == "" {
		c.OriginalID = "gh_" + randHex(6)
	}
	_, err = s.db.Exec(ctx, `UPDATE accounts SET appid = ?, original_id = ?, app_secret_hash = ?, updated_at = ? WHERE id = ?`,
		c.AppID, c.OriginalID, HashSecret(c.AppSecret), db.Micro(s.clock.Now()), accountID)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// CheckSecret reports whether secret is the account's current AppSecret.
func (s *Store) CheckSecret(ctx context.Context, appid, secret string) (*Account, bool, error) {
	var hash string
	var accountID int64
	if err := db.Get(s.db.QueryRow(ctx, `SELECT id, app_secret_hash FROM accounts WHERE appid = ?`, appid), &accountID, &hash); err != nil {
		return nil, false, err
	}
	a, err := s.ByID(ctx, accountID)
	if err != nil {
		return nil, false, err
	}
	return a, hash != "" && equalHash(hash, HashSecret(secret)), nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

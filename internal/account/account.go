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
	"github.com/heraldoa/herald/internal/i18n/hanzi"
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
func (s *Store) Create(ctx context.Context, in NewAccount) (_ *Account, err error) {
	defer errs.Wrap(&err, "account.Store.Create()")
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
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO accounts (id, type, region, name, name_key, search_key, description, organisation, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.Type, a.Region, a.Name, NormalizeName(a.Name), SearchKey(a.Name), a.Description, a.Organisation, a.Status,
			db.Micro(now), db.Micro(now))
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
func (s *Store) ByID(ctx context.Context, accountID int64) (_ *Account, err error) {
	defer errs.Wrap(&err, "account.Store.ByID(%d)", accountID)
	return Scan(s.db.QueryRow(ctx, `SELECT `+Cols+` FROM accounts a WHERE a.id = ?`, accountID))
}

// ByAppID returns the account with a developer AppID.
func (s *Store) ByAppID(ctx context.Context, appid string) (_ *Account, err error) {
	defer errs.Wrap(&err, "account.Store.ByAppID(%q)", appid)
	return Scan(s.db.QueryRow(ctx, `SELECT `+Cols+` FROM accounts a WHERE a.appid = ?`, appid))
}

// ByOriginalID returns the account with an original id (gh_...).
func (s *Store) ByOriginalID(ctx context.Context, originalID string) (_ *Account, err error) {
	defer errs.Wrap(&err, "account.Store.ByOriginalID(%q)", originalID)
	return Scan(s.db.QueryRow(ctx, `SELECT `+Cols+` FROM accounts a WHERE a.original_id = ?`, originalID))
}

// Membership is an account seen by one of its members.
type Membership struct {
	Account *Account
	Role    string
}

// ForMember lists the accounts a person belongs to, with their role.
func (s *Store) ForMember(ctx context.Context, personID int64) (_ []Membership, err error) {
	defer errs.Wrap(&err, "account.Store.ForMember(%d)", personID)
	rows, err := s.db.Query(ctx, `SELECT `+Cols+`, m.role FROM accounts a JOIN account_members m ON m.account_id = a.id
		WHERE m.person_id = ? ORDER BY a.name_key`, personID)
	return db.Collect(rows, err, func(r *sqlRows) (Membership, error) {
		var role string
		a, err := Scan(scanWith(r, &role))
		return Membership{Account: a, Role: role}, err
	})
}

// Role returns the person's role in the account, or errs.Forbidden.
func (s *Store) Role(ctx context.Context, accountID, personID int64) (_ string, err error) {
	defer errs.Wrap(&err, "account.Store.Role(%d, %d)", accountID, personID)
	var role string
	err = db.Get(s.db.QueryRow(ctx, `SELECT role FROM account_members WHERE account_id = ? AND person_id = ?`, accountID, personID), &role)
	if errors.Is(err, errs.NotFound) {
		return "", errs.Forbiddenf("You are not a member of this account.")
	}
	return role, err
}

// Search finds active accounts whose name contains q: as written, in
// Simplified or Traditional characters, or as pinyin ("lian" or "lxcs"
// finds 莲心茶舍). Verified accounts come first, then a name equal to q,
// then names that begin with it, then by follower count.
func (s *Store) Search(ctx context.Context, q string, limit int) (_ []*Account, err error) {
	defer errs.Wrap(&err, "account.Store.Search(%d)", limit)
	key := hanzi.Simplify(NormalizeName(q))
	if key == "" {
		return nil, nil
	}
	// A query of Latin letters also matches pinyin written with spaces
	// ("lian xin" finds lianxinchashe).
	compact := key
	if isLatin(key) {
		compact = strings.ReplaceAll(key, " ", "")
	}
	now := db.Micro(s.clock.Now())
	like := func(k string) string { return "%" + db.EscapeLike(k) + "%" }
	prefix := func(k string) string { return db.EscapeLike(k) + "%" }
	pinyinPrefix := "%\n" + db.EscapeLike(compact) + "%" // a later line (pinyin) begins with it
	rows, err := s.db.Query(ctx, `SELECT `+Cols+` FROM accounts a
		WHERE a.status = 'active' AND (a.search_key LIKE ? ESCAPE '\' OR a.search_key LIKE ? ESCAPE '\'
			OR (a.search_key = '' AND a.name_key LIKE ? ESCAPE '\'))
		ORDER BY CASE WHEN a.verified_until > ? THEN 0 ELSE 1 END,
			CASE WHEN a.name_key = ? THEN 0 WHEN a.search_key LIKE ? ESCAPE '\' OR a.search_key LIKE ? ESCAPE '\' THEN 1 ELSE 2 END,
			a.follower_count DESC, a.name_key
		LIMIT ?`, like(key), like(compact), like(key), now, key, prefix(key), pinyinPrefix, limit)
	return db.Collect(rows, err, func(r *sqlRows) (*Account, error) { return Scan(r) })
}

// SearchKey is what Search matches a name against: the normalised name in
// Simplified characters and, for a name with Han characters, its pinyin
// and (with two or more) the pinyin initials, one per line.
func SearchKey(name string) string {
	key := hanzi.Simplify(NormalizeName(name))
	full, initials, han := hanzi.Pinyin(key)
	parts := []string{key}
	if han > 0 {
		parts = append(parts, strings.ReplaceAll(full, " ", ""))
	}
	if han > 1 {
		parts = append(parts, initials)
	}
	return strings.Join(parts, "\n")
}

func isLatin(s string) bool {
	for _, r := range s {
		if !(r == ' ' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// FillSearchKeys writes the search keys of accounts that have none
// (accounts made before keys existed, or inserted by an import), a batch
// at a time; it returns how many it wrote. Safe to run on several nodes at
// once: each writes the same key.
func (s *Store) FillSearchKeys(ctx context.Context) (_ int, err error) {
	defer errs.Wrap(&err, "account.Store.FillSearchKeys()")
	total := 0
	for {
		rows, err := s.db.Query(ctx, `SELECT id, name FROM accounts WHERE search_key = '' LIMIT 500`)
		type named struct {
			id   int64
			name string
		}
		list, err := db.Collect(rows, err, func(r *sqlRows) (named, error) {
			var n named
			return n, r.Scan(&n.id, &n.name)
		})
		if err != nil || len(list) == 0 {
			return total, err
		}
		err = s.db.Tx(ctx, func(tx *db.Tx) error {
			for _, n := range list {
				if _, err := tx.Exec(ctx, `UPDATE accounts SET search_key = ? WHERE id = ?`, SearchKey(n.name), n.id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += len(list)
	}
}

// Credentials are an account's developer identity. The secret is shown once.
type Credentials struct {
	AppID, AppSecret, OriginalID string
}

// IssueCredentials gives an account an AppID and original id (if it has
// none) and a new AppSecret, storing only the secret's hash.
func (s *Store) IssueCredentials(ctx context.Context, accountID int64) (_ *Credentials, err error) {
	defer errs.Wrap(&err, "account.Store.IssueCredentials(%d)", accountID)
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
func (s *Store) CheckSecret(ctx context.Context, appid, secret string) (_ *Account, _ bool, err error) {
	defer errs.Wrap(&err, "account.Store.CheckSecret(%q)", appid)
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

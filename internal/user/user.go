// Package user holds people — platform staff, account members and followers
// share one model — with their passwords and sign-in sessions.
package user

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

// Platform roles. Account-level roles (owner, publisher, ...) live with accounts.
const (
	RoleNone     = ""
	RoleAdmin    = "admin"
	RoleReviewer = "reviewer"
)

// SessionTTL is how long a session lasts without use.
const SessionTTL = 30 * 24 * time.Hour

// Person is anyone with a login.
type Person struct {
	ID           int64
	Username     string
	Email        string
	DisplayName  string
	PlatformRole string
	AvatarPath   string
	Region       string
	Language     string
	CreatedAt    time.Time
}

// IsStaff reports whether the person may use the platform admin face.
func (p *Person) IsStaff() bool { return p != nil && p.PlatformRole != RoleNone }

// IsAdmin reports whether the person is a platform administrator.
func (p *Person) IsAdmin() bool { return p != nil && p.PlatformRole == RoleAdmin }

// Store reads and writes people and sessions.
type Store struct {
	db    *db.DB
	clock clock.Clock
}

// NewStore returns a Store.
func NewStore(d *db.DB, c clock.Clock) *Store { return &Store{db: d, clock: c} }

// NewPerson is the input for Create.
type NewPerson struct {
	Username     string
	Email        string
	DisplayName  string
	Password     string
	PlatformRole string
	// PasswordHash, when set, is used instead of hashing Password (the demo
	// seed shares one hash among hundreds of followers).
	PasswordHash string
	// Language is the person's language setting ("zh_CN", "en", "zh_TW");
	// "" (none) follows the browser.
	Language string
}

// NormalizeUsername lowercases and trims a username.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidateUsername checks the username rules and returns a message for the user.
func ValidateUsername(u string) error {
	n := utf8.RuneCountInString(u)
	if n < 3 || n > 32 {
		return errs.FieldInvalid("username", "A username has 3 to 32 characters.")
	}
	for i, r := range u {
		ok := (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' || r == '.' || r == '-'
		if !ok {
			return errs.FieldInvalid("username", "A username uses only letters a–z, digits, '.', '_' and '-'.")
		}
		if i == 0 && !(r >= 'a' && r <= 'z') {
			return errs.FieldInvalid("username", "A username starts with a letter.")
		}
	}
	return nil
}

// ValidatePassword checks the password rules.
func ValidatePassword(p string) error {
	if utf8.RuneCountInString(p) < 8 {
		return errs.FieldInvalid("password", "A password has at least 8 characters.")
	}
	if len(p) > 256 {
		return errs.FieldInvalid("password", "A password has at most 256 bytes.")
	}
	return nil
}

func validateDisplayName(s string) error {
	if s == "" {
		return errs.FieldInvalid("display_name", "Enter a display name.")
	}
	if utf8.RuneCountInString(s) > 40 {
		return errs.FieldInvalid("display_name", "A display name has at most 40 characters.")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return errs.FieldInvalid("display_name", "A display name cannot contain control characters.")
		}
	}
	return nil
}

// Create adds a person after checking every rule.
func (s *Store) Create(ctx context.Context, in NewPerson) (_ *Person, err error) {
	defer errs.Wrap(&err, "user.Store.Create()")
	username := NormalizeUsername(in.Username)
	if err := ValidateUsername(username); err != nil {
		return nil, err
	}
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if email != "" {
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
			return nil, errs.FieldInvalid("email", "Enter a valid email address, or leave it empty.")
		}
	}
	display := strings.TrimSpace(in.DisplayName)
	if display == "" {
		display = username
	}
	if err := validateDisplayName(display); err != nil {
		return nil, err
	}
	switch in.PlatformRole {
	case RoleNone, RoleAdmin, RoleReviewer:
	default:
		return nil, errs.Invalidf("Unknown platform role %q.", in.PlatformRole)
	}
	hash := in.PasswordHash
	if hash == "" {
		if err := ValidatePassword(in.Password); err != nil {
			return nil, err
		}
		var err error
		if hash, err = HashPassword(in.Password); err != nil {
			return nil, err
		}
	}
	lang := in.Language
	if lang != "" && !contains(Languages, lang) {
		return nil, errs.Invalidf("Unknown language %q.", lang)
	}
	now := s.clock.Now()
	p := &Person{ID: id.New(), Username: username, Email: email, DisplayName: display,
		PlatformRole: in.PlatformRole, Language: lang, CreatedAt: now}
	var emailArg any
	if email != "" {
		emailArg = email
	}
	_, err = s.db.Exec(ctx, `INSERT INTO people (id, username, email, display_name, password_hash, platform_role, language, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, username, emailArg, display, hash, in.PlatformRole, lang, db.Micro(now), db.Micro(now))
	if db.IsUniqueViolation(err) {
		if strings.Contains(err.Error(), "email") {
			return nil, errs.FieldInvalid("email", "That email address is already registered.")
		}
		return nil, errs.FieldInvalid("username", "That username is taken.")
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

const personCols = `id, username, COALESCE(email, ''), display_name, platform_role, avatar_path, region, language, created_at`

func scanPerson(sc interface{ Scan(...any) error }) (*Person, error) {
	var p Person
	var created int64
	if err := sc.Scan(&p.ID, &p.Username, &p.Email, &p.DisplayName, &p.PlatformRole, &p.AvatarPath, &p.Region, &p.Language, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, db.ErrNotFound
		}
		return nil, err
	}
	p.CreatedAt = db.FromMicro(created)
	return &p, nil
}

// ByID returns a person.
func (s *Store) ByID(ctx context.Context, personID int64) (_ *Person, err error) {
	defer errs.Wrap(&err, "user.Store.ByID(%d)", personID)
	return scanPerson(s.db.QueryRow(ctx, `SELECT `+personCols+` FROM people WHERE id = ?`, personID))
}

// ByUsername returns a person by username (normalised).
func (s *Store) ByUsername(ctx context.Context, username string) (_ *Person, err error) {
	defer errs.Wrap(&err, "user.Store.ByUsername(%q)", username)
	return scanPerson(s.db.QueryRow(ctx, `SELECT `+personCols+` FROM people WHERE username = ?`, NormalizeUsername(username)))
}

// dummyHash is checked when the login is unknown, so that the time taken
// does not tell whether an account exists. It is a constant (the hash of
// "not a real password" with the parameters HashPassword uses, which a test
// checks) rather than computed at start-up: an argon2id hash takes 19 MiB
// and about a tenth of a second of CPU, which every herald process, the
// emulator and one-shot commands included, would pay before doing anything.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$QM6amLBpyYxc1E7LgU9UuQ$Md1+x9rgn0HIEfTVUDyiife1P4+4MP37Uo0nSLZeIYI"

// ErrBadCredentials is returned for any failed sign-in: the message never
// says whether the login or the password was wrong.
var ErrBadCredentials = &errs.Error{Kind: errs.KindUnauthorized, Message: "That username or email and password do not match.",
	Format: "That username or email and password do not match."}

// Authenticate checks a login (username or email) and password.
// LoginKey names the account a sign-in attempt is for, for throttling:
// "p<id>" for a person (by username or email alike), else the login as
// typed ("n:<login>"), so unknown names are throttled too.
func (s *Store) LoginKey(ctx context.Context, login string) (_ string, err error) {
	defer errs.Wrap(&err, "user.Store.LoginKey()")
	login = strings.ToLower(strings.TrimSpace(login))
	var personID int64
	err = db.Get(s.db.QueryRow(ctx, `SELECT id FROM people WHERE username = ? OR email = ?`, login, login), &personID)
	if errors.Is(err, errs.NotFound) {
		return "n:" + login, nil
	}
	if err != nil {
		return "", err
	}
	return "p" + strconv.FormatInt(personID, 10), nil
}

func (s *Store) Authenticate(ctx context.Context, login, password string) (_ *Person, err error) {
	defer errs.Wrap(&err, "user.Store.Authenticate()")
	login = strings.ToLower(strings.TrimSpace(login))
	var hash string
	var personID int64
	err = db.Get(s.db.QueryRow(ctx, `SELECT id, password_hash FROM people WHERE username = ? OR email = ?`, login, login), &personID, &hash)
	if errors.Is(err, errs.NotFound) {
		_, _ = CheckPassword(dummyHash, password)
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(hash, "!") {
		// A person who cannot sign in (a placeholder for a follower who moved
		// here with an imported account).
		_, _ = CheckPassword(dummyHash, password)
		return nil, ErrBadCredentials
	}
	ok, err := CheckPassword(hash, password)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrBadCredentials
	}
	return s.ByID(ctx, personID)
}

// ChangePassword replaces the password after checking the current one, and
// signs out every other session.
func (s *Store) ChangePassword(ctx context.Context, personID int64, current, next, keepToken string) (err error) {
	defer errs.Wrap(&err, "user.Store.ChangePassword(%d)", personID)
	var hash string
	if err := db.Get(s.db.QueryRow(ctx, `SELECT password_hash FROM people WHERE id = ?`, personID), &hash); err != nil {
		return err
	}
	ok, err := CheckPassword(hash, current)
	if err != nil {
		return err
	}
	if !ok {
		return errs.FieldInvalid("current", "The current password is not right.")
	}
	if err := ValidatePassword(next); err != nil {
		return err
	}
	newHash, err := HashPassword(next)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE people SET password_hash = ?, updated_at = ? WHERE id = ?`, newHash, db.Micro(s.clock.Now()), personID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE person_id = ? AND token_hash <> ?`, personID, hashToken(keepToken))
		return err
	})
}

// SetPassword replaces a password without checking the old one (admin CLI).
func (s *Store) SetPassword(ctx context.Context, personID int64, password string) (err error) {
	defer errs.Wrap(&err, "user.Store.SetPassword(%d)", personID)
	if err := ValidatePassword(password); err != nil {
		return err
	}
	h, err := HashPassword(password)
	if err != nil {
		return err
	}
	_, err = s.db.Exec(ctx, `UPDATE people SET password_hash = ?, updated_at = ? WHERE id = ?`, h, db.Micro(s.clock.Now()), personID)
	return err
}

// SetPlatformRole changes a person's platform role.
func (s *Store) SetPlatformRole(ctx context.Context, personID int64, role string) (err error) {
	defer errs.Wrap(&err, "user.Store.SetPlatformRole(%d)", personID)
	switch role {
	case RoleNone, RoleAdmin, RoleReviewer:
	default:
		return errs.Invalidf("Unknown platform role %q.", role)
	}
	res, err := s.db.Exec(ctx, `UPDATE people SET platform_role = ?, updated_at = ? WHERE id = ?`, role, db.Micro(s.clock.Now()), personID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.ErrNotFound
	}
	return nil
}

// Profile is the editable part of a person.
type Profile struct {
	DisplayName string
	Region      string
	Language    string
}

// Regions a follower may choose in their profile (used by analytics).
var Regions = []string{"", "Beijing", "Shanghai", "Guangdong", "Zhejiang", "Sichuan", "Hong Kong", "Taiwan", "Singapore", "Europe", "North America", "Other"}

// Languages a follower may choose.
var Languages = []string{"en", "zh_CN", "zh_TW"}

// UpdateProfile changes display name, region and language.
func (s *Store) UpdateProfile(ctx context.Context, personID int64, p Profile) (err error) {
	defer errs.Wrap(&err, "user.Store.UpdateProfile(%d)", personID)
	p.DisplayName = strings.TrimSpace(p.DisplayName)
	if err := validateDisplayName(p.DisplayName); err != nil {
		return err
	}
	if !contains(Regions, p.Region) {
		return errs.FieldInvalid("region", "Choose a region from the list.")
	}
	if p.Language != "" && !contains(Languages, p.Language) { // "": the browser's
		return errs.FieldInvalid("language", "Choose a language from the list.")
	}
	_, err = s.db.Exec(ctx, `UPDATE people SET display_name = ?, region = ?, language = ?, updated_at = ? WHERE id = ?`,
		p.DisplayName, p.Region, p.Language, db.Micro(s.clock.Now()), personID)
	return err
}

// SetLanguage changes a person's language setting ("zh_CN", "en", "zh_TW"),
// which chooses the language of every face they see.
func (s *Store) SetLanguage(ctx context.Context, personID int64, lang string) (err error) {
	defer errs.Wrap(&err, "user.Store.SetLanguage(%d)", personID)
	if !contains(Languages, lang) {
		return errs.FieldInvalid("language", "Choose a language from the list.")
	}
	_, err = s.db.Exec(ctx, `UPDATE people SET language = ?, updated_at = ? WHERE id = ?`, lang, db.Micro(s.clock.Now()), personID)
	return err
}

// SetAvatar records the stored path of a person's avatar.
func (s *Store) SetAvatar(ctx context.Context, personID int64, path string) (err error) {
	defer errs.Wrap(&err, "user.Store.SetAvatar(%d)", personID)
	_, err = s.db.Exec(ctx, `UPDATE people SET avatar_path = ?, updated_at = ? WHERE id = ?`, path, db.Micro(s.clock.Now()), personID)
	return err
}

// Count returns how many people exist.
func (s *Store) Count(ctx context.Context) (_ int, err error) {
	defer errs.Wrap(&err, "user.Store.Count()")
	var n int
	err = s.db.QueryRow(ctx, `SELECT COUNT(*) FROM people`).Scan(&n)
	return n, err
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// ---- sessions ----

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateSession starts a session and returns its secret token (for the
// cookie). Only a hash of the token is stored.
func (s *Store) CreateSession(ctx context.Context, personID int64, ip, userAgent string) (_ string, err error) {
	defer errs.Wrap(&err, "user.Store.CreateSession(%d)", personID)
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	now := s.clock.Now()
	if len(userAgent) > 256 {
		userAgent = userAgent[:256]
	}
	_, err = s.db.Exec(ctx, `INSERT INTO sessions (token_hash, person_id, created_at, expires_at, last_seen_at, ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, hashToken(token), personID, db.Micro(now), db.Micro(now.Add(SessionTTL)), db.Micro(now), ip, userAgent)
	if err != nil {
		return "", err
	}
	return token, nil
}

// SessionPerson returns the person signed in with token, extending the
// session when it was last extended more than five minutes ago.
func (s *Store) SessionPerson(ctx context.Context, token string) (_ *Person, err error) {
	defer errs.Wrap(&err, "user.Store.SessionPerson()")
	if token == "" {
		return nil, db.ErrNotFound
	}
	ref := s.Ref(token)
	// The session and its person in one statement: every signed-in page
	// that does not read it in its own first statement (SessionRef)
	// starts here.
	var row SessionRow
	err = db.Get(s.db.QueryRow(db.ShortReads(ctx), `SELECT p.id, p.username, COALESCE(p.email, ''), p.display_name, p.platform_role, p.avatar_path, p.region, p.language, p.created_at,
			s.expires_at, s.last_seen_at
		FROM sessions s JOIN people p ON p.id = s.person_id WHERE s.token_hash = ?`, ref.Hash),
		&row.Person.ID, &row.Person.Username, &row.Person.Email, &row.Person.DisplayName, &row.Person.PlatformRole, &row.Person.AvatarPath,
		&row.Person.Region, &row.Person.Language, &row.Created, &row.Expires, &row.LastSeen)
	if err != nil {
		return nil, err
	}
	row.Found = true
	return s.CheckSession(ctx, ref, &row)
}

// SessionRef is a session read by a page in its own first statement
// instead of in one of its own before it: the statement finds the person
// with SessionPersonIDSQL (args SessionRef.Hash, SessionRef.Now) and reads
// the session's row into a SessionRow, which CheckSession then checks
// exactly as SessionPerson does. Nothing about sessions is kept in the
// process, so a sign-out or revocation on any node holds on the next
// statement everywhere.
type SessionRef struct {
	Hash string // the token's hash, as sessions.token_hash stores it
	Now  int64  // the moment of the read, Unix µs
}

// Ref is the SessionRef of token, read now.
func (s *Store) Ref(token string) SessionRef {
	return SessionRef{Hash: hashToken(token), Now: db.Micro(s.clock.Now())}
}

// SessionPersonIDSQL is a scalar subquery (args: SessionRef.Hash,
// SessionRef.Now) giving the person of an unexpired session, NULL for
// none: a page's statement reads the person's data with it in place of
// the person's id, so a session that is not valid reads nothing.
const SessionPersonIDSQL = `(SELECT ss.person_id FROM sessions ss WHERE ss.token_hash = ? AND ss.expires_at > ?)`

// SessionRow is a session's row as a page's statement read it (its
// person's columns and the session's times), for CheckSession.
type SessionRow struct {
	Found                      bool // the statement found the session
	Person                     Person
	Created, Expires, LastSeen int64 // Unix µs: the person's creation, the session's expiry and last extension
}

// SessionJoinSQL joins a one-row statement to the session (args:
// SessionRef.Hash) and its person, as us and up, for SessionColsSQL: the
// row is read whether or not there is such a session.
const SessionJoinSQL = ` LEFT JOIN sessions us ON us.token_hash = ? LEFT JOIN people up ON up.id = us.person_id`

// SessionColsSQL are the session's columns through SessionJoinSQL, read
// into SessionRow.Dest.
const SessionColsSQL = `up.id IS NOT NULL, COALESCE(up.id, 0), COALESCE(up.username, ''), COALESCE(up.email, ''), COALESCE(up.display_name, ''),
	COALESCE(up.platform_role, ''), COALESCE(up.avatar_path, ''), COALESCE(up.region, ''), COALESCE(up.language, ''),
	COALESCE(up.created_at, 0), COALESCE(us.expires_at, 0), COALESCE(us.last_seen_at, 0)`

// Dest is where SessionColsSQL's columns are scanned, in their order.
func (row *SessionRow) Dest() []any {
	p := &row.Person
	return []any{&row.Found, &p.ID, &p.Username, &p.Email, &p.DisplayName, &p.PlatformRole, &p.AvatarPath, &p.Region, &p.Language,
		&row.Created, &row.Expires, &row.LastSeen}
}

// CheckSession is SessionPerson's check of a session row read for ref: an
// absent or expired session is db.ErrNotFound (an expired one is deleted),
// and a session last extended more than five minutes ago is extended.
func (s *Store) CheckSession(ctx context.Context, ref SessionRef, row *SessionRow) (*Person, error) {
	if !row.Found {
		return nil, db.ErrNotFound
	}
	p := row.Person
	p.CreatedAt = db.FromMicro(row.Created)
	if ref.Now >= row.Expires {
		_, _ = s.db.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, ref.Hash)
		return nil, db.ErrNotFound
	}
	now := db.FromMicro(ref.Now)
	if now.Sub(db.FromMicro(row.LastSeen)) > 5*time.Minute {
		_, _ = s.db.Exec(ctx, `UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE token_hash = ?`,
			ref.Now, db.Micro(now.Add(SessionTTL)), ref.Hash)
	}
	return &p, nil
}

// DeleteSession signs a session out.
func (s *Store) DeleteSession(ctx context.Context, token string) (err error) {
	defer errs.Wrap(&err, "user.Store.DeleteSession()")
	_, err = s.db.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hashToken(token))
	return err
}

// DeleteExpiredSessions removes sessions past their expiry and returns how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context) (_ int64, err error) {
	defer errs.Wrap(&err, "user.Store.DeleteExpiredSessions()")
	res, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, db.Micro(s.clock.Now()))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Package follow records who follows which account. Each person gets a
// different pseudonymous openid for every account ("o" + 27 URL-safe
// characters), so accounts cannot correlate followers and never see a login.
package follow

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/user"
)

// Sources of a follow, for analytics.
const (
	SourceSearch  = "search"
	SourceProfile = "profile"
	SourceQR      = "qr"
	SourceArticle = "article"
	SourceOther   = "other"
)

// Follow is one person's relation to one account.
type Follow struct {
	AccountID    int64
	PersonID     int64
	OpenID       string
	Following    bool
	Source       string
	Scene        string
	SubscribedAt time.Time
	Muted        bool
	Blocked      bool
	Remark       string
}

// Store reads and writes follows.
type Store struct {
	db    *db.DB
	clock clock.Clock
}

// NewStore returns a Store.
func NewStore(d *db.DB, c clock.Clock) *Store { return &Store{db: d, clock: c} }

// NewOpenID returns a fresh openid: "o" and 27 URL-safe characters.
func NewOpenID() string {
	b := make([]byte, 21)
	_, _ = rand.Read(b)
	return "o" + base64.RawURLEncoding.EncodeToString(b)[:27]
}

// Result says what Follow did.
type Result struct {
	OpenID string
	New    bool // false when the person already followed the account
}

// Follow makes person follow the active account. Following again after an
// unfollow keeps the openid. The account's follower count is kept in step.
func (s *Store) Follow(ctx context.Context, accountID, personID int64, source, scene string) (_ Result, err error) {
	defer errs.Wrap(&err, "follow.Store.Follow(%d, %d)", accountID, personID)
	switch source {
	case SourceSearch, SourceProfile, SourceQR, SourceArticle, SourceOther:
	default:
		source = SourceOther
	}
	now := db.Micro(s.clock.Now())
	var res Result
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var status string
		if err := db.Get(tx.QueryRow(ctx, `SELECT status FROM accounts WHERE id = ?`, accountID), &status); err != nil {
			return err
		}
		if status != account.StatusActive {
			return errs.Conflictf("This account cannot be followed right now.")
		}
		var openid string
		var following bool
		err := db.Get(tx.QueryRow(ctx, `SELECT openid, following FROM follows WHERE account_id = ? AND person_id = ?`, accountID, personID), &openid, &following)
		switch {
		case errors.Is(err, errs.NotFound):
			openid = NewOpenID()
			if _, err := tx.Exec(ctx, `INSERT INTO follows (account_id, person_id, openid, following, source, scene, subscribed_at, created_at)
				VALUES (?, ?, ?, TRUE, ?, ?, ?, ?)`, accountID, personID, openid, source, scene, now, now); err != nil {
				return err
			}
		case err != nil:
			return err
		case following:
			res = Result{OpenID: openid}
			return nil
		default:
			if _, err := tx.Exec(ctx, `UPDATE follows SET following = TRUE, source = ?, scene = ?, subscribed_at = ?, unsubscribed_at = 0
				WHERE account_id = ? AND person_id = ?`, source, scene, now, accountID, personID); err != nil {
				return err
			}
		}
		res = Result{OpenID: openid, New: true}
		tx.ScopeFollower(accountID, openid) // its writes of follower data are this follower's
		_, err = tx.Exec(ctx, `UPDATE accounts SET follower_count = follower_count + 1 WHERE id = ?`, accountID)
		return err
	})
	return res, err
}

// Unfollow ends a follow. It reports whether the person was following.
func (s *Store) Unfollow(ctx context.Context, accountID, personID int64) (_ bool, err error) {
	defer errs.Wrap(&err, "follow.Store.Unfollow(%d, %d)", accountID, personID)
	var was bool
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		// RETURNING names the follower, so that the commit invalidates
		// only its cached answers (db.Tx.ScopeFollower).
		var openid string
		err := db.Get(tx.QueryRow(ctx, `UPDATE follows SET following = FALSE, unsubscribed_at = ? WHERE account_id = ? AND person_id = ? AND following = TRUE RETURNING openid`,
			db.Micro(s.clock.Now()), accountID, personID), &openid)
		if errors.Is(err, errs.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		tx.ScopeFollower(accountID, openid)
		was = true
		_, err = tx.Exec(ctx, `UPDATE accounts SET follower_count = follower_count - 1 WHERE id = ?`, accountID)
		return err
	})
	return was, err
}

const cols = `account_id, person_id, openid, following, source, scene, subscribed_at, muted, blocked, remark`

func scan(sc interface{ Scan(...any) error }) (*Follow, error) {
	var f Follow
	var sub int64
	if err := sc.Scan(&f.AccountID, &f.PersonID, &f.OpenID, &f.Following, &f.Source, &f.Scene, &sub, &f.Muted, &f.Blocked, &f.Remark); err != nil {
		return nil, err
	}
	f.SubscribedAt = db.FromMicro(sub)
	return &f, nil
}

// Get returns the relation between a person and an account (following or
// not), or db.ErrNotFound when they never followed.
func (s *Store) Get(ctx context.Context, accountID, personID int64) (_ *Follow, err error) {
	defer errs.Wrap(&err, "follow.Store.Get(%d, %d)", accountID, personID)
	f, err := scan(s.db.QueryRow(ctx, `SELECT `+cols+` FROM follows WHERE account_id = ? AND person_id = ?`, accountID, personID))
	return f, notFound(err)
}

// WithAccount returns an account and the person's relation to it (nil
// when they never followed) in one statement: the account by its primary
// key, the follow by the follows' primary key. It is ByID and then Get,
// for pages that need both on every view.
func (s *Store) WithAccount(ctx context.Context, accountID, personID int64) (_ *account.Account, _ *Follow, err error) {
	defer errs.Wrap(&err, "follow.Store.WithAccount(%d, %d)", accountID, personID)
	return s.withAccount(ctx, accountID, personID, withAccountOnly, nil)
}

// AndTexts is WithAccountAnd's statement for some texts, made once by
// its caller (WithTexts).
type AndTexts struct {
	query   string
	session string // query with the person given by a session (WithAccountSession)
	n       int
}

// WithTexts makes WithAccountAnd's statement reading texts, each an SQL
// expression on the account (a) and the follow (f; its columns NULL when
// the person never followed), after the account and the follow.
func WithTexts(texts ...string) *AndTexts {
	more := ""
	for _, t := range texts {
		more += ",\n\t\tCOALESCE(" + t + ", '')"
	}
	cols := `SELECT ` + account.Cols + `, f.account_id IS NOT NULL,
		COALESCE(f.openid, ''), COALESCE(f.following, FALSE), COALESCE(f.source, ''), COALESCE(f.scene, ''),
		COALESCE(f.subscribed_at, 0), COALESCE(f.muted, FALSE), COALESCE(f.blocked, FALSE), COALESCE(f.remark, '')` + more
	return &AndTexts{n: len(texts),
		query: cols + `
		FROM accounts a LEFT JOIN follows f ON f.account_id = a.id AND f.person_id = ? WHERE a.id = ?`,
		session: cols + `, ` + user.SessionColsSQL + `
		FROM accounts a LEFT JOIN follows f ON f.account_id = a.id AND f.person_id = ` + user.SessionPersonIDSQL +
			user.SessionJoinSQL + ` WHERE a.id = ?`}
}

// withAccountOnly is WithAccount's statement.
var withAccountOnly = WithTexts()

// WithAccountAnd is WithAccount reading t's texts in the same statement,
// each value (NULL read as "") stored in the dest of the same index. The
// conversation page reads the menu the person sees
// (menu.FollowerButtonsSQL) and what marking it read needs
// (message.ReadStateSQL) this way.
func (s *Store) WithAccountAnd(ctx context.Context, accountID, personID int64, t *AndTexts, dests ...*string) (_ *account.Account, _ *Follow, err error) {
	defer errs.Wrap(&err, "follow.Store.WithAccountAnd(%d, %d)", accountID, personID)
	if t.n != len(dests) {
		return nil, nil, fmt.Errorf("%d texts read into %d destinations", t.n, len(dests))
	}
	return s.withAccount(ctx, accountID, personID, t, dests)
}

// WithAccountSession is WithAccountAnd for the person of a sign-in
// session, read in the same statement into row (user.SessionRow, for
// user.Store.CheckSession) instead of in one of its own before it. A
// session that is not valid (absent or expired) reads the account with no
// follow.
func (s *Store) WithAccountSession(ctx context.Context, accountID int64, ref user.SessionRef, row *user.SessionRow, t *AndTexts, dests ...*string) (_ *account.Account, _ *Follow, err error) {
	defer errs.Wrap(&err, "follow.Store.WithAccountSession(%d)", accountID)
	if t.n != len(dests) {
		return nil, nil, fmt.Errorf("%d texts read into %d destinations", t.n, len(dests))
	}
	return s.withAccountRow(ctx, accountID, 0, t.session, []any{ref.Hash, ref.Now, ref.Hash, accountID}, row, dests)
}

func (s *Store) withAccount(ctx context.Context, accountID, personID int64, t *AndTexts, dests []*string) (*account.Account, *Follow, error) {
	return s.withAccountRow(ctx, accountID, personID, t.query, []any{personID, accountID}, nil, dests)
}

// withAccountRow reads the account and the follow with query (and the
// session's row, when row is not nil: then the follow's person is the
// session's).
func (s *Store) withAccountRow(ctx context.Context, accountID, personID int64, query string, args []any, row *user.SessionRow, dests []*string) (*account.Account, *Follow, error) {
	var f Follow
	var found bool
	var sub int64
	more := make([]any, 0, 9+len(dests)+12)
	more = append(more, &found, &f.OpenID, &f.Following, &f.Source, &f.Scene, &sub, &f.Muted, &f.Blocked, &f.Remark)
	for _, d := range dests {
		more = append(more, d)
	}
	if row != nil {
		more = append(more, row.Dest()...)
	}
	a, err := account.Scan(withFollow{s.db.QueryRow(ctx, query, args...), more})
	if err != nil {
		return nil, nil, err
	}
	if !found {
		return a, nil, nil
	}
	if row != nil {
		personID = row.Person.ID
	}
	f.AccountID, f.PersonID, f.SubscribedAt = accountID, personID, db.FromMicro(sub)
	return a, &f, nil
}

// withFollow scans account.Cols and then the follow's columns.
type withFollow struct {
	row  interface{ Scan(...any) error }
	more []any
}

func (w withFollow) Scan(dest ...any) error { return w.row.Scan(append(dest, w.more...)...) }

// ByOpenID returns the follow with an openid, only within the given account:
// an openid of another account is not found.
func (s *Store) ByOpenID(ctx context.Context, accountID int64, openid string) (_ *Follow, err error) {
	defer errs.Wrap(&err, "follow.Store.ByOpenID(%d, %q)", accountID, openid)
	f, err := scan(s.db.QueryRow(ctx, `SELECT `+cols+` FROM follows WHERE account_id = ? AND openid = ?`, accountID, openid))
	return f, notFound(err)
}

// IsFollowing reports whether person follows account now.
func (s *Store) IsFollowing(ctx context.Context, accountID, personID int64) (_ bool, err error) {
	defer errs.Wrap(&err, "follow.Store.IsFollowing(%d, %d)", accountID, personID)
	f, err := s.Get(ctx, accountID, personID)
	if errors.Is(err, errs.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return f.Following, nil
}

// Followed lists the accounts a person follows now, with the follow.
func (s *Store) Followed(ctx context.Context, personID int64) (_ []*account.Account, err error) {
	defer errs.Wrap(&err, "follow.Store.Followed(%d)", personID)
	rows, err := s.db.Query(ctx, `SELECT `+account.Cols+` FROM follows f JOIN accounts a ON a.id = f.account_id
		WHERE f.person_id = ? AND f.following = TRUE ORDER BY a.name_key`, personID)
	return db.Collect(rows, err, func(r *sqlRows) (*account.Account, error) { return account.Scan(r) })
}

// SetMuted mutes or unmutes an account for a follower.
func (s *Store) SetMuted(ctx context.Context, accountID, personID int64, muted bool) (err error) {
	defer errs.Wrap(&err, "follow.Store.SetMuted(%d, %d)", accountID, personID)
	res, err := s.db.Exec(ctx, `UPDATE follows SET muted = ? WHERE account_id = ? AND person_id = ? AND following = TRUE`, muted, accountID, personID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.NotFoundf("You do not follow this account.")
	}
	return nil
}

func notFound(err error) error {
	if errors.Is(err, errNoRows) {
		return db.ErrNotFound
	}
	return err
}

// OpenID returns the person's openid for the account without following
// it (web sign-in gives non-followers an openid too): the existing one if
// they ever followed or signed in, else a new relation row with
// following = FALSE, which follower lists and counts leave out.
func (s *Store) OpenID(ctx context.Context, accountID, personID int64) (_ string, err error) {
	defer errs.Wrap(&err, "follow.Store.OpenID(%d, %d)", accountID, personID)
	if _, err := s.db.Exec(ctx, `INSERT INTO follows (account_id, person_id, openid, following, source, scene, subscribed_at, created_at)
		VALUES (?, ?, ?, FALSE, ?, '', 0, ?) ON CONFLICT DO NOTHING`,
		accountID, personID, NewOpenID(), SourceOther, db.Micro(s.clock.Now())); err != nil {
		return "", err
	}
	var openid string
	err = db.Get(s.db.WriterQueryRow(ctx, `SELECT openid FROM follows WHERE account_id = ? AND person_id = ?`, accountID, personID), &openid)
	return openid, err
}

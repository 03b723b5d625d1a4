// Package audience is what an account knows about its followers: the
// follower list with search, tags (small integer ids per account, as on
// WeChat), remarks and the blacklist. Accounts never see a follower's
// username or login, only the display name, avatar, openid, region,
// language and follow time.
package audience

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/follow"
)

// Limits, as on WeChat.
const (
	MaxTags          = 100 // per account
	MaxTagsPerPerson = 20
	MaxTagNameBytes  = 30
	MaxBatch         = 50 // followers per tagging call
	MaxBlacklist     = 20 // followers per blacklist call
	FirstTagID       = 100
)

// Reserved tag ids (0, 1 and 2 on WeChat; 2 is "starred").
func Reserved(tagID int64) bool { return tagID >= 0 && tagID <= 2 }

// Error is a failure with WeChat's errcode; it unwraps to an *errs.Error
// with a message for the console.
type Error struct {
	Code int
	Err  *errs.Error
}

func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the domain error.
func (e *Error) Unwrap() error { return e.Err }

// WXCode returns the WeChat errcode.
func (e *Error) WXCode() int { return e.Code }

// Errors with their WeChat errcodes.
var (
	ErrTooManyTags     = &Error{Code: 45056, Err: errs.Conflictf("An account has at most %d tags.", MaxTags)}
	ErrTagNameTooLong  = &Error{Code: 45158, Err: errs.FieldInvalid("name", "A tag name has at most %d bytes (10 Chinese characters).", MaxTagNameBytes)}
	ErrTagNameInvalid  = &Error{Code: 45157, Err: errs.FieldInvalid("name", "Give the tag a name.")}
	ErrTagNameTaken    = &Error{Code: 45157, Err: errs.FieldInvalid("name", "There is already a tag with that name.")}
	ErrReservedTag     = &Error{Code: 45058, Err: errs.Conflictf("The system tags cannot be changed.")}
	ErrNoTag           = &Error{Code: 45159, Err: errs.NotFoundf("There is no such tag.")}
	ErrPersonTagLimit  = &Error{Code: 45059, Err: errs.Conflictf("A follower has at most %d tags.", MaxTagsPerPerson)}
	ErrBatchTooLarge   = &Error{Code: 40032, Err: errs.Invalidf("Tag at most %d followers at once.", MaxBatch)}
	ErrBlacklistBatch  = &Error{Code: 40032, Err: errs.Invalidf("Blacklist at most %d followers at once.", MaxBlacklist)}
	ErrNotAFollower    = &Error{Code: 49003, Err: errs.NotFoundf("That person does not follow this account.")}
	errNoPeopleInBatch = &Error{Code: 40032, Err: errs.Invalidf("Choose at least one follower.")}
)

// Tag is a follower tag.
type Tag struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// Store reads and writes tags and follower details.
type Store struct {
	db      *db.DB
	clock   clock.Clock
	follows *follow.Store
}

// NewStore returns a Store.
func NewStore(d *db.DB, c clock.Clock, follows *follow.Store) *Store {
	return &Store{db: d, clock: c, follows: follows}
}

// TagKey is the form of a tag name that must be unique in an account:
// lower case, runs of spaces as one.
func TagKey(name string) string { return strings.ToLower(strings.Join(strings.Fields(name), " ")) }

func checkTagName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return "", ErrTagNameInvalid
	}
	if len(name) > MaxTagNameBytes {
		return "", ErrTagNameTooLong
	}
	return name, nil
}

// Tags lists the account's tags by id, with follower counts.
func (s *Store) Tags(ctx context.Context, accountID int64) (_ []Tag, err error) {
	defer errs.Wrap(&err, "audience.Store.Tags(%d)", accountID)
	rows, err := s.db.Query(ctx, `SELECT id, name, follower_count FROM tags WHERE account_id = ? ORDER BY id`, accountID)
	return db.Collect(rows, err, func(r *sql.Rows) (Tag, error) {
		var t Tag
		return t, r.Scan(&t.ID, &t.Name, &t.Count)
	})
}

// Tag returns one tag of the account.
func (s *Store) Tag(ctx context.Context, accountID, tagID int64) (_ Tag, err error) {
	defer errs.Wrap(&err, "audience.Store.Tag(%d, %d)", accountID, tagID)
	t := Tag{ID: tagID}
	err = db.Get(s.db.QueryRow(ctx, `SELECT name, follower_count FROM tags WHERE account_id = ? AND id = ?`, accountID, tagID), &t.Name, &t.Count)
	if errors.Is(err, errs.NotFound) {
		return t, ErrNoTag
	}
	return t, err
}

// CreateTag adds a tag (tags/create). Ids start at 100 and are never reused.
func (s *Store) CreateTag(ctx context.Context, accountID int64, name string) (_ Tag, err error) {
	defer errs.Wrap(&err, "audience.Store.CreateTag(%d)", accountID)
	name, err = checkTagName(name)
	if err != nil {
		return Tag{}, err
	}
	t := Tag{Name: name}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var n int
		if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*) FROM tags WHERE account_id = ?`, accountID), &n); err != nil {
			return err
		}
		if n >= MaxTags {
			return ErrTooManyTags
		}
		if err := db.Get(tx.QueryRow(ctx, `INSERT INTO tag_counters (account_id, next_id) VALUES (?, ?)
			ON CONFLICT (account_id) DO UPDATE SET next_id = tag_counters.next_id + 1 RETURNING next_id`, accountID, FirstTagID), &t.ID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO tags (account_id, id, name, name_key, created_at) VALUES (?, ?, ?, ?, ?)`,
			accountID, t.ID, name, TagKey(name), db.Micro(s.clock.Now()))
		if db.IsUniqueViolation(err) {
			return ErrTagNameTaken
		}
		return err
	})
	return t, err
}

// RenameTag renames a tag (tags/update).
func (s *Store) RenameTag(ctx context.Context, accountID, tagID int64, name string) (err error) {
	defer errs.Wrap(&err, "audience.Store.RenameTag(%d, %d)", accountID, tagID)
	if Reserved(tagID) {
		return ErrReservedTag
	}
	name, err = checkTagName(name)
	if err != nil {
		return err
	}
	res, err := s.db.Exec(ctx, `UPDATE tags SET name = ?, name_key = ? WHERE account_id = ? AND id = ?`, name, TagKey(name), accountID, tagID)
	if db.IsUniqueViolation(err) {
		return ErrTagNameTaken
	}
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoTag
	}
	return nil
}

// DeleteTag removes a tag and untags its followers (tags/delete).
func (s *Store) DeleteTag(ctx context.Context, accountID, tagID int64) (err error) {
	defer errs.Wrap(&err, "audience.Store.DeleteTag(%d, %d)", accountID, tagID)
	if Reserved(tagID) {
		return ErrReservedTag
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM tag_members WHERE account_id = ? AND tag_id = ?`, accountID, tagID); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM tags WHERE account_id = ? AND id = ?`, accountID, tagID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNoTag
		}
		return nil
	})
}

// TagFollowers gives a tag to up to MaxBatch followers of the account
// (tags/members/batchtagging). Nothing changes when one of them fails.
func (s *Store) TagFollowers(ctx context.Context, accountID, tagID int64, personIDs []int64) (err error) {
	defer errs.Wrap(&err, "audience.Store.TagFollowers(%d, %d)", accountID, tagID)
	if len(personIDs) == 0 {
		return errNoPeopleInBatch
	}
	if len(personIDs) > MaxBatch {
		return ErrBatchTooLarge
	}
	now := db.Micro(s.clock.Now())
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		var n int
		if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*) FROM tags WHERE account_id = ? AND id = ?`, accountID, tagID), &n); err != nil {
			return err
		}
		if n == 0 {
			return ErrNoTag
		}
		tx.ScopeAccount(accountID) // its writes of follower data are this account's
		added := 0
		for _, pid := range personIDs {
			var follows, has, count int
			if err := db.Get(tx.QueryRow(ctx, `SELECT
					(SELECT COUNT(*) FROM follows WHERE account_id = ? AND person_id = ?),
					(SELECT COUNT(*) FROM tag_members WHERE account_id = ? AND person_id = ? AND tag_id = ?),
					(SELECT COUNT(*) FROM tag_members WHERE account_id = ? AND person_id = ?)`,
				accountID, pid, accountID, pid, tagID, accountID, pid), &follows, &has, &count); err != nil {
				return err
			}
			if follows == 0 {
				return ErrNotAFollower
			}
			if has > 0 {
				continue
			}
			if count >= MaxTagsPerPerson {
				return ErrPersonTagLimit
			}
			if _, err := tx.Exec(ctx, `INSERT INTO tag_members (account_id, tag_id, person_id, created_at) VALUES (?, ?, ?, ?)`,
				accountID, tagID, pid, now); err != nil {
				return err
			}
			added++
		}
		_, err := tx.Exec(ctx, `UPDATE tags SET follower_count = follower_count + ? WHERE account_id = ? AND id = ?`, added, accountID, tagID)
		return err
	})
}

// UntagFollowers removes a tag from up to MaxBatch followers
// (tags/members/batchuntagging).
func (s *Store) UntagFollowers(ctx context.Context, accountID, tagID int64, personIDs []int64) (err error) {
	defer errs.Wrap(&err, "audience.Store.UntagFollowers(%d, %d)", accountID, tagID)
	if len(personIDs) == 0 {
		return errNoPeopleInBatch
	}
	if len(personIDs) > MaxBatch {
		return ErrBatchTooLarge
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		var n int
		if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*) FROM tags WHERE account_id = ? AND id = ?`, accountID, tagID), &n); err != nil {
			return err
		}
		if n == 0 {
			return ErrNoTag
		}
		tx.ScopeAccount(accountID) // its writes of follower data are this account's
		removed := int64(0)
		for _, pid := range personIDs {
			res, err := tx.Exec(ctx, `DELETE FROM tag_members WHERE account_id = ? AND tag_id = ? AND person_id = ?`, accountID, tagID, pid)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			removed += k
		}
		_, err := tx.Exec(ctx, `UPDATE tags SET follower_count = follower_count - ? WHERE account_id = ? AND id = ?`, removed, accountID, tagID)
		return err
	})
}

// TagIDs returns the ids of a follower's tags, oldest first
// (tags/getidlist, user/info's tagid_list).
func (s *Store) TagIDs(ctx context.Context, accountID, personID int64) (_ []int64, err error) {
	defer errs.Wrap(&err, "audience.Store.TagIDs(%d, %d)", accountID, personID)
	rows, err := s.db.Query(ctx, `SELECT tag_id FROM tag_members WHERE account_id = ? AND person_id = ? ORDER BY created_at, tag_id`, accountID, personID)
	return db.Collect(rows, err, func(r *sql.Rows) (int64, error) {
		var v int64
		return v, r.Scan(&v)
	})
}

// SetTags makes a follower's tags exactly tagIDs (the console's follower
// editor). Unknown tags are refused; at most MaxTagsPerPerson.
func (s *Store) SetTags(ctx context.Context, accountID, personID int64, tagIDs []int64) (err error) {
	defer errs.Wrap(&err, "audience.Store.SetTags(%d, %d)", accountID, personID)
	want := map[int64]bool{}
	for _, t := range tagIDs {
		want[t] = true
	}
	if len(want) > MaxTagsPerPerson {
		return ErrPersonTagLimit
	}
	now := db.Micro(s.clock.Now())
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		var n int
		if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*) FROM follows WHERE account_id = ? AND person_id = ?`, accountID, personID), &n); err != nil {
			return err
		}
		if n == 0 {
			return ErrNotAFollower
		}
		rows, err := tx.Query(ctx, `SELECT tag_id FROM tag_members WHERE account_id = ? AND person_id = ?`, accountID, personID)
		have, err := db.Collect(rows, err, func(r *sql.Rows) (int64, error) {
			var v int64
			return v, r.Scan(&v)
		})
		if err != nil {
			return err
		}
		tx.ScopeAccount(accountID) // its writes of follower data are this account's
		has := map[int64]bool{}
		for _, t := range have {
			has[t] = true
			if !want[t] {
				if _, err := tx.Exec(ctx, `DELETE FROM tag_members WHERE account_id = ? AND tag_id = ? AND person_id = ?`, accountID, t, personID); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `UPDATE tags SET follower_count = follower_count - 1 WHERE account_id = ? AND id = ?`, accountID, t); err != nil {
					return err
				}
			}
		}
		for t := range want {
			if has[t] {
				continue
			}
			res, err := tx.Exec(ctx, `UPDATE tags SET follower_count = follower_count + 1 WHERE account_id = ? AND id = ?`, accountID, t)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return ErrNoTag
			}
			if _, err := tx.Exec(ctx, `INSERT INTO tag_members (account_id, tag_id, person_id, created_at) VALUES (?, ?, ?, ?)`, accountID, t, personID, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// Follower is what an account sees of one follower.
type Follower struct {
	PersonID     int64
	OpenID       string
	DisplayName  string
	AvatarPath   string
	Region       string
	Language     string
	Following    bool
	SubscribedAt time.Time
	Remark       string
	Blocked      bool
	TagIDs       []int64
}

// Query filters the follower list and says which page of it to list.
// Pages are found by key, never by offset: After lists the followers that
// come after one (older), Before the ones that come before it (newer, still
// listed newest first); a page costs its own rows however deep it is, and
// a follower added or removed between two pages moves no other follower
// onto both or off both.
type Query struct {
	Search  string  // in remark or display name
	TagID   int64   // 0: any
	Blocked bool    // only the blacklist
	After   *Cursor // the followers after this place, if set
	Before  *Cursor // the followers before it, if set (and After is not)
	Limit   int     // default 50, at most 200
}

// Cursor is a place in the follower list: the list's sort key, follow
// time then person id, both newest first. A follower's Cursor stays valid
// after they unfollow: the page after it starts at the next follower.
type Cursor struct {
	SubscribedAt int64 // microseconds, as stored
	PersonID     int64
}

// Cursor is the follower's place in the list.
func (f *Follower) Cursor() Cursor {
	return Cursor{SubscribedAt: db.Micro(f.SubscribedAt), PersonID: f.PersonID}
}

// String writes the cursor for a link: "subscribed_at.person_id".
func (c Cursor) String() string {
	return strconv.FormatInt(c.SubscribedAt, 10) + "." + strconv.FormatInt(c.PersonID, 10)
}

// ParseCursor reads what String writes; ok is false for anything else.
func ParseCursor(s string) (c Cursor, ok bool) {
	at, id, found := strings.Cut(s, ".")
	if !found {
		return Cursor{}, false
	}
	var err1, err2 error
	c.SubscribedAt, err1 = strconv.ParseInt(at, 10, 64)
	c.PersonID, err2 = strconv.ParseInt(id, 10, 64)
	return c, err1 == nil && err2 == nil
}

const followerCols = `f.person_id, f.openid, p.display_name, p.avatar_path, p.region, p.language, f.following, f.subscribed_at, f.remark, f.blocked`

func scanFollower(r interface{ Scan(...any) error }) (*Follower, error) {
	var f Follower
	var sub int64
	if err := r.Scan(&f.PersonID, &f.OpenID, &f.DisplayName, &f.AvatarPath, &f.Region, &f.Language, &f.Following, &sub, &f.Remark, &f.Blocked); err != nil {
		return nil, err
	}
	f.SubscribedAt = db.FromMicro(sub)
	return &f, nil
}

// Followers lists the account's current followers (and, with Blocked, the
// blacklisted ones), newest first, with their tag ids.
func (s *Store) Followers(ctx context.Context, accountID int64, q Query) (_ []*Follower, err error) {
	defer errs.Wrap(&err, "audience.Store.Followers(%d)", accountID)
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	byTag := false
	if q.TagID != 0 && s.db.Dialect() == db.SQLite {
		// The tag's and the account's counters, to choose the statement;
		// a tag not there lists nothing either way.
		var tagCount, followers int64
		err := db.Get(s.db.QueryRow(ctx, `SELECT t.follower_count, a.follower_count FROM tags t JOIN accounts a ON a.id = t.account_id
			WHERE t.account_id = ? AND t.id = ?`, accountID, q.TagID), &tagCount, &followers)
		if err != nil && !errors.Is(err, errs.NotFound) {
			return nil, err
		}
		byTag = followersByTag(s.db.Dialect(), tagCount, followers, q)
	}
	query, args := followersSQL(s.db.Dialect(), accountID, q, byTag)
	rows, err := s.db.Query(ctx, query, args...)
	list, err := db.Collect(rows, err, func(r *sql.Rows) (*Follower, error) { return scanFollower(r) })
	if err != nil || len(list) == 0 {
		return list, err
	}
	if q.After == nil && q.Before != nil {
		slices.Reverse(list) // read oldest first from the place, listed newest first
	}
	byID := map[int64]*Follower{}
	ids := make([]any, 0, len(list)+1)
	ids = append(ids, accountID)
	ph := make([]string, 0, len(list))
	for _, f := range list {
		byID[f.PersonID] = f
		ids = append(ids, f.PersonID)
		ph = append(ph, "?")
	}
	rows, err = s.db.Query(ctx, `SELECT person_id, tag_id FROM tag_members WHERE account_id = ? AND person_id IN (`+strings.Join(ph, ",")+`)
		ORDER BY created_at, tag_id`, ids...)
	_, err = db.Collect(rows, err, func(r *sql.Rows) (struct{}, error) {
		var pid, tid int64
		if err := r.Scan(&pid, &tid); err != nil {
			return struct{}{}, err
		}
		byID[pid].TagIDs = append(byID[pid].TagIDs, tid)
		return struct{}{}, nil
	})
	return list, err
}

// Follower returns one follower (following or not) of the account.
func (s *Store) Follower(ctx context.Context, accountID, personID int64) (_ *Follower, err error) {
	defer errs.Wrap(&err, "audience.Store.Follower(%d, %d)", accountID, personID)
	f, err := scanFollower(s.db.QueryRow(ctx, `SELECT `+followerCols+` FROM follows f JOIN people p ON p.id = f.person_id
		WHERE f.account_id = ? AND f.person_id = ?`, accountID, personID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, db.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	f.TagIDs, err = s.TagIDs(ctx, accountID, personID)
	return f, err
}

// SetBlacklisted blacklists or un-blacklists up to MaxBlacklist followers
// (tags/members/batchblacklist and batchunblacklist).
func (s *Store) SetBlacklisted(ctx context.Context, accountID int64, personIDs []int64, blocked bool) (err error) {
	defer errs.Wrap(&err, "audience.Store.SetBlacklisted(%d)", accountID)
	if len(personIDs) == 0 {
		return errNoPeopleInBatch
	}
	if len(personIDs) > MaxBlacklist {
		return ErrBlacklistBatch
	}
	for _, pid := range personIDs {
		if err := s.follows.SetBlocked(ctx, accountID, pid, blocked); err != nil {
			if errors.Is(err, follow.ErrNotFollower) {
				return ErrNotAFollower
			}
			return err
		}
	}
	return nil
}

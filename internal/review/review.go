// Package review runs the Official Account lifecycle after sign-up:
// applications (registration and renewal of verification), their review by
// platform reviewers, follower reports, penalties with appeals, and the
// append-only audit log of every decision. The state machines live in
// state.go; docs/accounts.md describes them and the API other features call
// (Restricted, Frozen, TakenDown, FlagContent).
package review

import (
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/clock"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/media"
	"github.com/heraldoa/herald/internal/settings"
	"github.com/heraldoa/herald/internal/user"
)

// Store reads and writes applications, reviews, reports, penalties, appeals
// and the audit log.
type Store struct {
	db       *db.DB
	clock    clock.Clock
	accounts *account.Store
	settings *settings.Store
	media    media.Store
}

// NewStore returns a Store. Uploaded avatars and documents go to m.
func NewStore(d *db.DB, c clock.Clock, accounts *account.Store, st *settings.Store, m media.Store) *Store {
	return &Store{db: d, clock: c, accounts: accounts, settings: st, media: m}
}

// Media returns the store that holds uploaded avatars and documents.
func (s *Store) Media() media.Store { return s.media }

func (s *Store) now() time.Time { return s.clock.Now() }

// requireStaff refuses people who are not platform staff.
func requireStaff(p *user.Person) error {
	if p == nil {
		return errs.Unauthorized
	}
	if !p.IsStaff() {
		return errs.Forbiddenf("Only platform reviewers and administrators can do this.")
	}
	return nil
}

func personName(p *user.Person) string {
	if p == nil {
		return "system"
	}
	return p.Username
}

func personID(p *user.Person) int64 {
	if p == nil {
		return 0
	}
	return p.ID
}

// nullID stores 0 as NULL for nullable foreign keys.
func nullID(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// forUpdate returns the row-locking suffix for a read that precedes a
// state change: PostgreSQL locks the row; SQLite's single writer already
// serialises the transaction.
func forUpdate(q db.Querier) string {
	if q.Dialect() == db.Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// changed checks that an UPDATE guarded by the expected old state touched a
// row; otherwise someone else moved the state first.
func changed(res interface{ RowsAffected() (int64, error) }) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return errs.Conflictf("Someone else changed this at the same time. Reload the page and try again.")
	}
	return nil
}

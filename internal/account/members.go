package account

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
)

// Member is one person's membership of an account, as the team page shows it.
type Member struct {
	PersonID    int64
	Username    string
	DisplayName string
	Role        string
	CreatedAt   time.Time
}

// ValidRole reports whether role is a member role.
func ValidRole(role string) bool {
	for _, r := range Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Errors of team management.
var (
	ErrLastOwner   = errs.Conflictf("An account needs at least one owner: make someone else owner first.")
	ErrOwnersOnly  = errs.Forbiddenf("Only an owner can make or remove owners.")
	ErrNotMember   = errs.NotFoundf("That person is not a member of this account.")
	errUnknownRole = errs.FieldInvalid("role", "Choose a role: owner, admin, publisher, agent or analyst.")
)

// Members lists the account's members, owners first.
func (s *Store) Members(ctx context.Context, accountID int64) (_ []Member, err error) {
	defer errs.Wrap(&err, "account.Store.Members(%d)", accountID)
	rows, err := s.db.Query(ctx, `SELECT m.person_id, p.username, p.display_name, m.role, m.created_at
		FROM account_members m JOIN people p ON p.id = m.person_id WHERE m.account_id = ?
		ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 WHEN 'publisher' THEN 2 WHEN 'agent' THEN 3 ELSE 4 END, p.display_name, m.person_id`, accountID)
	return db.Collect(rows, err, func(r *sqlRows) (Member, error) {
		var m Member
		var created int64
		err := r.Scan(&m.PersonID, &m.Username, &m.DisplayName, &m.Role, &created)
		m.CreatedAt = db.FromMicro(created)
		return m, err
	})
}

// Invite makes the existing person with username a member with role at
// once, without asking them: the demo, heraldtest and tests seed teams with
// it. The console invites with InviteMember, which the person accepts. The
// actor's role decides: only owners may add owners.
func (s *Store) Invite(ctx context.Context, accountID int64, actorRole, username, role string) (_ Member, err error) {
	defer errs.Wrap(&err, "account.Store.Invite(%d, %q)", accountID, username)
	if !ValidRole(role) {
		return Member{}, errUnknownRole
	}
	if role == RoleOwner && actorRole != RoleOwner {
		return Member{}, ErrOwnersOnly
	}
	var m Member
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		err := db.Get(tx.QueryRow(ctx, `SELECT id, username, display_name FROM people WHERE username = ?`, normalizeUsername(username)),
			&m.PersonID, &m.Username, &m.DisplayName)
		if errors.Is(err, errs.NotFound) {
			return errs.FieldInvalid("username", "There is nobody with the username %q on Herald.", username)
		}
		if err != nil {
			return err
		}
		now := s.clock.Now()
		_, err = tx.Exec(ctx, `INSERT INTO account_members (account_id, person_id, role, created_at) VALUES (?, ?, ?, ?)`, accountID, m.PersonID, role, db.Micro(now))
		if db.IsUniqueViolation(err) {
			return errs.FieldInvalid("username", "%s is already a member.", m.DisplayName)
		}
		m.Role, m.CreatedAt = role, now
		return err
	})
	return m, err
}

// ChangeRole changes a member's role. Only owners may make or demote
// owners, and the last owner stays owner.
func (s *Store) ChangeRole(ctx context.Context, accountID int64, actorRole string, personID int64, role string) (err error) {
	defer errs.Wrap(&err, "account.Store.ChangeRole(%d, %d)", accountID, personID)
	if !ValidRole(role) {
		return errUnknownRole
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		cur, err := memberRole(ctx, tx, accountID, personID)
		if err != nil {
			return err
		}
		if cur == role {
			return nil
		}
		if (cur == RoleOwner || role == RoleOwner) && actorRole != RoleOwner {
			return ErrOwnersOnly
		}
		if cur == RoleOwner {
			if err := keepOwner(ctx, tx, accountID); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE account_members SET role = ? WHERE account_id = ? AND person_id = ?`, role, accountID, personID)
		return err
	})
}

// Remove ends a membership (also used to leave an account). Only owners
// may remove owners, and the last owner cannot leave.
func (s *Store) Remove(ctx context.Context, accountID int64, actorRole string, personID int64) (err error) {
	defer errs.Wrap(&err, "account.Store.Remove(%d, %d)", accountID, personID)
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		cur, err := memberRole(ctx, tx, accountID, personID)
		if err != nil {
			return err
		}
		if cur == RoleOwner {
			if actorRole != RoleOwner {
				return ErrOwnersOnly
			}
			if err := keepOwner(ctx, tx, accountID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM account_members WHERE account_id = ? AND person_id = ?`, accountID, personID); err != nil {
			return err
		}
		// Conversations assigned to the leaver go back to the queue.
		_, err = tx.Exec(ctx, `UPDATE conversations SET inbox_state = 'open', assignee_id = 0
			WHERE account_id = ? AND assignee_id = ? AND inbox_state = 'assigned'`, accountID, personID)
		return err
	})
}

func memberRole(ctx context.Context, tx *db.Tx, accountID, personID int64) (string, error) {
	var role string
	err := db.Get(tx.QueryRow(ctx, `SELECT role FROM account_members WHERE account_id = ? AND person_id = ?`, accountID, personID), &role)
	if errors.Is(err, errs.NotFound) {
		return "", ErrNotMember
	}
	return role, err
}

// keepOwner fails unless the account has another owner besides the one
// about to go.
func keepOwner(ctx context.Context, tx *db.Tx, accountID int64) error {
	var n int
	if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*) FROM account_members WHERE account_id = ? AND role = 'owner'`, accountID), &n); err != nil {
		return err
	}
	if n <= 1 {
		return ErrLastOwner
	}
	return nil
}

// normalizeUsername matches user.NormalizeUsername (account cannot import user).
func normalizeUsername(s string) string {
	return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "@")))
}

package account

import (
	"context"
	"errors"
	"time"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

// Invitation states.
const (
	InvitationPending  = "pending"
	InvitationAccepted = "accepted"
	InvitationDeclined = "declined"
	InvitationRevoked  = "revoked"
)

// How long an invitation may wait for its answer.
const (
	MinInvitationTTL     = time.Hour
	MaxInvitationTTL     = 30 * 24 * time.Hour
	DefaultInvitationTTL = 7 * 24 * time.Hour
	maxUsernameBytes     = 64
)

// Invitation is an invitation to join an account's team with a role.
type Invitation struct {
	ID          int64
	AccountID   int64
	AccountName string // for the invitee's page
	Username    string // normalised
	Role        string
	InvitedBy   int64
	InviterName string
	State       string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	DecidedAt   time.Time
}

// Errors of invitations.
var (
	// ErrNoInvitation is the answer for an invitation that does not exist,
	// is someone else's, was answered or revoked, or has expired.
	ErrNoInvitation = errs.NotFoundf("This invitation is no longer open: it was answered, withdrawn or has expired.")
	errTTL          = errs.FieldInvalid("expires", "An invitation waits between an hour and 30 days.")
	errUsername     = errs.FieldInvalid("username", "Enter the Herald username of the person to invite.")
)

// InviteMember invites username to the account's team with role, until
// ttl from now. The answer is the same whether or not anyone has that
// username (the invitation waits for whoever has or takes it), so the team
// page never tells whether a username exists; inviting a username again
// renews its pending invitation. Only owners may invite owners; a current
// member cannot be invited.
func (s *Store) InviteMember(ctx context.Context, accountID, inviterID int64, actorRole, username, role string, ttl time.Duration) (_ *Invitation, err error) {
	defer errs.Wrap(&err, "account.Store.InviteMember(%d, %d, %q)", accountID, inviterID, username)
	if !ValidRole(role) {
		return nil, errUnknownRole
	}
	if role == RoleOwner && actorRole != RoleOwner {
		return nil, ErrOwnersOnly
	}
	name := normalizeUsername(username)
	if name == "" || len(name) > maxUsernameBytes {
		return nil, errUsername
	}
	if ttl < MinInvitationTTL || ttl > MaxInvitationTTL {
		return nil, errTTL
	}
	now := s.clock.Now()
	inv := &Invitation{ID: id.New(), AccountID: accountID, Username: name, Role: role, InvitedBy: inviterID, State: InvitationPending,
		CreatedAt: now, ExpiresAt: now.Add(ttl)}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var n int
		if err := db.Get(tx.QueryRow(ctx, `SELECT COUNT(*) FROM account_members m JOIN people p ON p.id = m.person_id
			WHERE m.account_id = ? AND p.username = ?`, accountID, name), &n); err != nil {
			return err
		}
		if n > 0 {
			return errs.FieldInvalid("username", "@%s is already a member of the team.", name)
		}
		return db.Get(tx.QueryRow(ctx, `INSERT INTO account_invitations (id, account_id, username, role, invited_by, state, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)
			ON CONFLICT (account_id, username) WHERE state = 'pending'
			DO UPDATE SET role = excluded.role, invited_by = excluded.invited_by, created_at = excluded.created_at, expires_at = excluded.expires_at
			RETURNING id`, inv.ID, accountID, name, role, inviterID, db.Micro(now), db.Micro(inv.ExpiresAt)), &inv.ID)
	})
	if err != nil {
		return nil, err
	}
	return inv, nil
}

const invitationCols = `i.id, i.account_id, a.name, i.username, i.role, i.invited_by, COALESCE(p.display_name, ''), i.state, i.created_at, i.expires_at, i.decided_at`

const invitationFrom = ` FROM account_invitations i JOIN accounts a ON a.id = i.account_id LEFT JOIN people p ON p.id = i.invited_by `

func scanInvitation(r interface{ Scan(...any) error }) (Invitation, error) {
	var inv Invitation
	var created, expires, decided int64
	err := r.Scan(&inv.ID, &inv.AccountID, &inv.AccountName, &inv.Username, &inv.Role, &inv.InvitedBy, &inv.InviterName, &inv.State, &created, &expires, &decided)
	inv.CreatedAt, inv.ExpiresAt, inv.DecidedAt = db.FromMicro(created), db.FromMicro(expires), db.FromMicro(decided)
	return inv, err
}

// PendingInvitations lists the account's invitations that still wait for
// an answer, newest first.
func (s *Store) PendingInvitations(ctx context.Context, accountID int64) (_ []Invitation, err error) {
	defer errs.Wrap(&err, "account.Store.PendingInvitations(%d)", accountID)
	rows, err := s.db.Query(ctx, `SELECT `+invitationCols+invitationFrom+`
		WHERE i.account_id = ? AND i.state = 'pending' AND i.expires_at > ? ORDER BY i.created_at DESC, i.id DESC`, accountID, db.Micro(s.clock.Now()))
	return db.Collect(rows, err, func(r *sqlRows) (Invitation, error) { return scanInvitation(r) })
}

// InvitationsFor lists the open invitations addressed to the person's
// username, newest first.
func (s *Store) InvitationsFor(ctx context.Context, personID int64) (_ []Invitation, err error) {
	defer errs.Wrap(&err, "account.Store.InvitationsFor(%d)", personID)
	rows, err := s.db.Query(ctx, `SELECT `+invitationCols+invitationFrom+`
		WHERE i.username = (SELECT username FROM people WHERE id = ?) AND i.state = 'pending' AND i.expires_at > ?
		ORDER BY i.created_at DESC, i.id DESC`, personID, db.Micro(s.clock.Now()))
	return db.Collect(rows, err, func(r *sqlRows) (Invitation, error) { return scanInvitation(r) })
}

// CountInvitationsFor counts the open invitations addressed to the person.
func (s *Store) CountInvitationsFor(ctx context.Context, personID int64) (_ int, err error) {
	defer errs.Wrap(&err, "account.Store.CountInvitationsFor(%d)", personID)
	var n int
	err = db.Get(s.db.QueryRow(ctx, `SELECT COUNT(*) FROM account_invitations
		WHERE username = (SELECT username FROM people WHERE id = ?) AND state = 'pending' AND expires_at > ?`, personID, db.Micro(s.clock.Now())), &n)
	return n, err
}

// decide moves one of the person's open invitations to state, in tx, and
// returns it; ErrNoInvitation when it is not open or not theirs.
func (s *Store) decide(ctx context.Context, tx *db.Tx, personID, invitationID int64, state string) (Invitation, error) {
	now := db.Micro(s.clock.Now())
	res, err := tx.Exec(ctx, `UPDATE account_invitations SET state = ?, decided_at = ?
		WHERE id = ? AND state = 'pending' AND expires_at > ? AND username = (SELECT username FROM people WHERE id = ?)`,
		state, now, invitationID, now, personID)
	if err != nil {
		return Invitation{}, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err == nil {
			err = ErrNoInvitation
		}
		return Invitation{}, err
	}
	inv, err := scanInvitation(tx.QueryRow(ctx, `SELECT `+invitationCols+invitationFrom+` WHERE i.id = ?`, invitationID))
	if errors.Is(err, errs.NotFound) {
		return Invitation{}, ErrNoInvitation
	}
	return inv, err
}

// AcceptInvitation makes the person a member of the invitation's account
// with its role. Only the person the invitation is addressed to can accept
// it, once, before it expires and unless it was withdrawn.
func (s *Store) AcceptInvitation(ctx context.Context, personID, invitationID int64) (_ *Invitation, err error) {
	defer errs.Wrap(&err, "account.Store.AcceptInvitation(%d, %d)", personID, invitationID)
	var inv Invitation
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		if inv, err = s.decide(ctx, tx, personID, invitationID, InvitationAccepted); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO account_members (account_id, person_id, role, created_at) VALUES (?, ?, ?, ?)`,
			inv.AccountID, personID, inv.Role, db.Micro(s.clock.Now()))
		if db.IsUniqueViolation(err) {
			return errs.Conflictf("You are already a member of %s.", inv.AccountName)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	inv.State = InvitationAccepted
	return &inv, nil
}

// DeclineInvitation turns down one of the person's open invitations.
func (s *Store) DeclineInvitation(ctx context.Context, personID, invitationID int64) (_ *Invitation, err error) {
	defer errs.Wrap(&err, "account.Store.DeclineInvitation(%d, %d)", personID, invitationID)
	var inv Invitation
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		inv, err = s.decide(ctx, tx, personID, invitationID, InvitationDeclined)
		return err
	})
	if err != nil {
		return nil, err
	}
	inv.State = InvitationDeclined
	return &inv, nil
}

// RevokeInvitation withdraws a pending invitation of the account. Owners
// withdraw any; admins those they could have made (not for owner).
func (s *Store) RevokeInvitation(ctx context.Context, accountID int64, actorRole string, invitationID int64) (err error) {
	defer errs.Wrap(&err, "account.Store.RevokeInvitation(%d, %d)", accountID, invitationID)
	if actorRole != RoleOwner && actorRole != RoleAdmin {
		return ErrOwnersOnly
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		var role string
		err := db.Get(tx.QueryRow(ctx, `SELECT role FROM account_invitations WHERE id = ? AND account_id = ? AND state = 'pending'`,
			invitationID, accountID), &role)
		if errors.Is(err, errs.NotFound) {
			return ErrNoInvitation
		}
		if err != nil {
			return err
		}
		if role == RoleOwner && actorRole != RoleOwner {
			return ErrOwnersOnly
		}
		// Accepted or declined meanwhile: the UPDATE finds it no longer pending.
		res, err := tx.Exec(ctx, `UPDATE account_invitations SET state = 'revoked', decided_at = ? WHERE id = ? AND state = 'pending'`,
			db.Micro(s.clock.Now()), invitationID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = ErrNoInvitation
			}
			return err
		}
		return nil
	})
}

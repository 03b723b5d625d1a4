package account

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/id"
)

// This file holds the account operations that the application and review
// workflow (internal/review) runs inside its own transactions, and member
// management.

// ValidateDescription checks the description rule: at most 120 characters.
func ValidateDescription(s string) error {
	if utf8.RuneCountInString(strings.TrimSpace(s)) > 120 {
		return errs.FieldInvalid("description", "A description has at most 120 characters.")
	}
	return nil
}

// CreateTx adds an account (status pending unless in.Status says otherwise)
// with its owner, inside tx. A taken name is a field error on "name".
func CreateTx(ctx context.Context, tx *db.Tx, in NewAccount, now int64) (_ *Account, err error) {
	defer errs.Wrap(&err, "account.CreateTx()")
	if in.Type != Subscription && in.Type != Service {
		return nil, errs.FieldInvalid("type", "Choose Subscription or Service.")
	}
	if in.Region != Domestic && in.Region != International {
		return nil, errs.FieldInvalid("region", "Choose domestic or international.")
	}
	if err := ValidateName(in.Name); err != nil {
		return nil, err
	}
	if err := ValidateDescription(in.Description); err != nil {
		return nil, err
	}
	if in.Status == "" {
		in.Status = StatusPending
	}
	a := &Account{ID: id.New(), Type: in.Type, Region: in.Region, Name: strings.TrimSpace(in.Name), Description: strings.TrimSpace(in.Description),
		Organisation: in.Organisation, Status: in.Status, Timezone: "Asia/Shanghai", CreatedAt: db.FromMicro(now)}
	// The unique index decides a race; the caller's transaction then rolls back.
	_, err = tx.Exec(ctx, `INSERT INTO accounts (id, type, region, name, name_key, search_key, description, organisation, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.Type, a.Region, a.Name, NormalizeName(a.Name), SearchKey(a.Name), a.Description, a.Organisation, a.Status, now, now)
	if db.IsUniqueViolation(err) {
		return nil, errs.FieldInvalid("name", "That account name is already taken.")
	}
	if err != nil {
		return nil, err
	}
	if in.OwnerID != 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO account_members (account_id, person_id, role, created_at) VALUES (?, ?, ?, ?)`,
			a.ID, in.OwnerID, RoleOwner, now); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// NameTaken reports whether another account than exceptID holds the
// normalised form of name.
func NameTaken(ctx context.Context, q db.Querier, name string, exceptID int64) (_ bool, err error) {
	defer errs.Wrap(&err, "account.NameTaken(%d)", exceptID)
	var n int
	err = q.QueryRow(ctx, `SELECT COUNT(*) FROM accounts WHERE name_key = ? AND id <> ?`, NormalizeName(name), exceptID).Scan(&n)
	return n > 0, err
}

// IssueCredentialsTx is IssueCredentials inside a transaction: it gives the
// account an AppID (wx + 16 hex) and original id (gh_ + 12 hex) if it has
// none, and a new AppSecret of which only the hash is stored.
func IssueCredentialsTx(ctx context.Context, tx *db.Tx, accountID, now int64) (_ *Credentials, err error) {
	defer errs.Wrap(&err, "account.IssueCredentialsTx(%d)", accountID)
	c := &Credentials{AppSecret: randHex(16)}
	if err := db.Get(tx.QueryRow(ctx, `SELECT COALESCE(appid, ''), COALESCE(original_id, '') FROM accounts WHERE id = ?`, accountID),
		&c.AppID, &c.OriginalID); err != nil {
		return nil, err
	}
	if c.AppID == "" {
		c.AppID = "wx" + randHex(8)
	}
	if c.OriginalID == "" {
		c.OriginalID = "gh_" + randHex(6)
	}
	_, err = tx.Exec(ctx, `UPDATE accounts SET appid = ?, original_id = ?, app_secret_hash = ?, updated_at = ? WHERE id = ?`,
		c.AppID, c.OriginalID, HashSecret(c.AppSecret), now, accountID)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AddMember makes a person a member of an account with a role, or changes
// the role of an existing member. The owner's role cannot be changed here.
func (s *Store) AddMember(ctx context.Context, accountID, personID int64, role string) (err error) {
	defer errs.Wrap(&err, "account.Store.AddMember(%d, %d)", accountID, personID)
	if role == RoleOwner {
		return errs.FieldInvalid("role", "An account has one owner; choose another role.")
	}
	if !validRole(role) {
		return errs.FieldInvalid("role", "Choose one of the roles: admin, publisher, agent, analyst.")
	}
	now := db.Micro(s.clock.Now())
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		var current string
		err := db.Get(tx.QueryRow(ctx, `SELECT role FROM account_members WHERE account_id = ? AND person_id = ?`, accountID, personID), &current)
		switch {
		case err == nil && current == RoleOwner:
			return errs.Conflictf("The owner's role cannot be changed.")
		case err == nil:
			_, err = tx.Exec(ctx, `UPDATE account_members SET role = ? WHERE account_id = ? AND person_id = ?`, role, accountID, personID)
			return err
		case !errors.Is(err, errs.NotFound):
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO account_members (account_id, person_id, role, created_at) VALUES (?, ?, ?, ?)`,
			accountID, personID, role, now)
		return err
	})
}

func validRole(role string) bool {
	for _, r := range Roles {
		if r == role {
			return true
		}
	}
	return false
}

package review

import (
	"context"
	"time"

	"github.com/heraldoa/herald/internal/account"
	"github.com/heraldoa/herald/internal/db"
	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/user"
)

// SecretIssuedAt returns when a person was last shown the account's
// AppSecret (zero: never, so the console offers to generate one).
func (s *Store) SecretIssuedAt(ctx context.Context, accountID int64) (_ time.Time, err error) {
	defer errs.Wrap(&err, "review.Store.SecretIssuedAt(%d)", accountID)
	var at int64
	err = db.Get(s.db.QueryRow(ctx, `SELECT secret_issued_at FROM accounts WHERE id = ?`, accountID), &at)
	return db.FromMicro(at), err
}

// ResetSecret gives the account a new AppSecret and returns it: the only
// time anyone sees it, since only its hash is stored. The previous secret
// stops working at once. Only roles allowed account.ActSecret may do it,
// and only for an approved account.
func (s *Store) ResetSecret(ctx context.Context, p *user.Person, accountID int64) (_ *account.Credentials, err error) {
	defer errs.Wrap(&err, "review.Store.ResetSecret(%d)", accountID)
	if p == nil {
		return nil, errs.Unauthorized
	}
	role, err := s.accounts.Role(ctx, accountID, p.ID)
	if err != nil {
		return nil, err
	}
	if !account.Can(role, account.ActSecret) {
		return nil, errs.Forbiddenf("Your role (%s) does not allow resetting the AppSecret. Ask the account's owner or an admin.", role)
	}
	now := s.now()
	var creds *account.Credentials
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var status, name string
		if err := db.Get(tx.QueryRow(ctx, `SELECT status, name FROM accounts WHERE id = ?`+forUpdate(tx), accountID), &status, &name); err != nil {
			return err
		}
		switch status {
		case account.StatusActive, account.StatusSuspended:
		case account.StatusTerminated:
			return errs.Conflictf("This account is terminated; it has no developer credentials any more.")
		default:
			return errs.Conflictf("Developer credentials are issued when the account is approved.")
		}
		c, err := account.IssueCredentialsTx(ctx, tx, accountID, db.Micro(now))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET secret_issued_at = ? WHERE id = ?`, db.Micro(now), accountID); err != nil {
			return err
		}
		creds = c
		return audit(ctx, tx, now, p, AuditSecretReset, accountID, name, "account", accountID, phrase("AppSecret reset; the old one no longer works."))
	})
	if err != nil {
		return nil, err
	}
	return creds, nil
}

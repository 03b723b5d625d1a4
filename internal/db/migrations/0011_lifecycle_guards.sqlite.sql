-- An account's region is fixed forever: no UPDATE may change it.
CREATE TRIGGER accounts_region_fixed BEFORE UPDATE OF region ON accounts
WHEN NEW.region IS NOT OLD.region
BEGIN
	SELECT RAISE(ABORT, 'account region is fixed: a domestic account never becomes international, nor the reverse');
END;

-- Once submitted (the account row exists) an application's region is fixed too.
CREATE TRIGGER applications_region_fixed BEFORE UPDATE OF region ON applications
WHEN OLD.account_id IS NOT NULL AND NEW.region IS NOT OLD.region
BEGIN
	SELECT RAISE(ABORT, 'application region is fixed once submitted');
END;

-- The audit log is append-only.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;

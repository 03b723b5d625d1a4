-- An account's region is fixed forever: no UPDATE may change it.
CREATE FUNCTION herald_region_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% region is fixed: a domestic account never becomes international, nor the reverse', TG_TABLE_NAME
		USING ERRCODE = 'check_violation';
END
$$;
CREATE TRIGGER accounts_region_fixed BEFORE UPDATE OF region ON accounts
	FOR EACH ROW WHEN (NEW.region IS DISTINCT FROM OLD.region)
	EXECUTE FUNCTION herald_region_fixed();

-- Once submitted (the account row exists) an application's region is fixed too.
CREATE TRIGGER applications_region_fixed BEFORE UPDATE OF region ON applications
	FOR EACH ROW WHEN (OLD.account_id IS NOT NULL AND NEW.region IS DISTINCT FROM OLD.region)
	EXECUTE FUNCTION herald_region_fixed();

-- The audit log is append-only.
CREATE FUNCTION herald_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION herald_audit_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION herald_audit_append_only();

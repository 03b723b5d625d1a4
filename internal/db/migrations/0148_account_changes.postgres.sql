-- The Subscriptions folder's pick on PostgreSQL (internal/publish/folder)
-- chooses among a reader's follows by the accounts' last publication
-- times, which each node keeps in memory: probing accounts for each of a
-- reader's follows (often 1,000) was most of a folder's work. A node's
-- copy is exact without any message between nodes: it records the xmin
-- of the snapshot it was read at, and every folder read also reads, in
-- its own statement, the accounts whose rows changed in transactions from
-- that xmin on (a transaction a snapshot does not see has an id at or
-- above its xmin). This table names them: the triggers below record the
-- writing transaction's id for every insert, delete and change of an
-- account's type, status or last publication time, and a TRUNCATE of
-- accounts records account 0, which tells readers to read all again.
-- Derived from accounts: backups leave it out (db.Tables).
CREATE TABLE account_changes (
	account_id BIGINT PRIMARY KEY,
	xid xid8 NOT NULL
);
CREATE INDEX account_changes_xid ON account_changes (xid);

CREATE FUNCTION herald_account_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO account_changes (account_id, xid)
	VALUES (CASE WHEN TG_OP = 'TRUNCATE' THEN 0 WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END, pg_current_xact_id())
	ON CONFLICT (account_id) DO UPDATE SET xid = excluded.xid;
	RETURN NULL;
END
$$;
CREATE TRIGGER accounts_changed_insert AFTER INSERT OR DELETE ON accounts
	FOR EACH ROW EXECUTE FUNCTION herald_account_changed();
CREATE TRIGGER accounts_changed_update AFTER UPDATE OF type, status, last_published_at ON accounts
	FOR EACH ROW WHEN (NEW.type IS DISTINCT FROM OLD.type OR NEW.status IS DISTINCT FROM OLD.status
		OR NEW.last_published_at IS DISTINCT FROM OLD.last_published_at)
	EXECUTE FUNCTION herald_account_changed();
CREATE TRIGGER accounts_changed_truncate AFTER TRUNCATE ON accounts
	FOR EACH STATEMENT EXECUTE FUNCTION herald_account_changed();

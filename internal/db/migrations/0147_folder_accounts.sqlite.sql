-- The Subscriptions folder's pick (internal/publish/folder) joins each of
-- a reader's follows (often 1,000) to the followed account's last
-- publication time, keeping the most recent. Through accounts_folder each
-- follow cost a seek in an index of records compared field by field,
-- most of the folder's CPU on SQLite. folder_accounts holds the same
-- numbers for exactly the accounts the pick may choose (active
-- Subscription accounts that have published), keyed by the account's id
-- as the table's rowid: each follow is then one seek by integer key in a
-- table of two columns, about a third of the work (docs/performance.md).
-- The triggers below keep it equal to accounts for every write, so no
-- code writes it; a migration that rebuilds accounts must recreate them.
CREATE TABLE folder_accounts (
	id INTEGER PRIMARY KEY, -- accounts.id
	last_published_at BIGINT NOT NULL
);

INSERT INTO folder_accounts (id, last_published_at)
SELECT id, last_published_at FROM accounts
WHERE type = 'subscription' AND status = 'active' AND last_published_at > 0;

CREATE TRIGGER folder_accounts_insert AFTER INSERT ON accounts
WHEN NEW.type = 'subscription' AND NEW.status = 'active' AND NEW.last_published_at > 0
BEGIN
	INSERT INTO folder_accounts (id, last_published_at) VALUES (NEW.id, NEW.last_published_at);
END;

CREATE TRIGGER folder_accounts_update AFTER UPDATE OF id, type, status, last_published_at ON accounts
BEGIN
	DELETE FROM folder_accounts WHERE id = OLD.id
		AND NOT (NEW.id = OLD.id AND NEW.type = 'subscription' AND NEW.status = 'active' AND NEW.last_published_at > 0);
	INSERT INTO folder_accounts (id, last_published_at)
	SELECT NEW.id, NEW.last_published_at
	WHERE NEW.type = 'subscription' AND NEW.status = 'active' AND NEW.last_published_at > 0
	ON CONFLICT (id) DO UPDATE SET last_published_at = excluded.last_published_at;
END;

CREATE TRIGGER folder_accounts_delete AFTER DELETE ON accounts
BEGIN
	DELETE FROM folder_accounts WHERE id = OLD.id;
END;

-- Analytics imports the push log from a narrow queue instead of flagging
-- each imported row: clearing analytics_imported rewrote the whole 1.2 KB
-- log row (and its WAL pages) to change one byte, which cost more than
-- writing the row. Each row to import (every message and event push; the
-- echostr handshakes are never imported) gets a queue row with the columns
-- the import reads, written by a trigger in the INSERT's own statement, so
-- it commits with the log row or not at all. The import deletes what it
-- takes (DELETE ... RETURNING, in the transaction that stores the events),
-- so two nodes importing at once never take one row twice.
CREATE TABLE push_import_queue (
	id INTEGER PRIMARY KEY, -- the push_deliveries row's id (the rowid: one B-tree)
	account_id BIGINT NOT NULL,
	person_id BIGINT NOT NULL,
	kind TEXT NOT NULL,
	ok BOOLEAN NOT NULL,
	duration_us BIGINT NOT NULL,
	created_at BIGINT NOT NULL
);
INSERT INTO push_import_queue (id, account_id, person_id, kind, ok, duration_us, created_at)
	SELECT id, account_id, person_id, kind, ok, duration_us, created_at FROM push_deliveries
	WHERE analytics_imported = FALSE AND kind <> 'verify';
DROP INDEX push_deliveries_unimported;
ALTER TABLE push_deliveries DROP COLUMN analytics_imported;
CREATE TRIGGER push_deliveries_to_import AFTER INSERT ON push_deliveries
WHEN NEW.kind <> 'verify'
BEGIN
	INSERT INTO push_import_queue (id, account_id, person_id, kind, ok, duration_us, created_at)
		VALUES (NEW.id, NEW.account_id, NEW.person_id, NEW.kind, NEW.ok, NEW.duration_us, NEW.created_at);
END;

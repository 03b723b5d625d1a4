-- Analytics imports the push log from a narrow queue instead of flagging
-- each imported row: clearing analytics_imported rewrote the whole 1.2 KB
-- log row (and its WAL pages) to change one byte, which cost more than
-- writing the row. The push log's writer queues each row to import (every
-- message and event push; the echostr handshakes are never imported) with
-- the columns the import reads, in the transaction that writes the row.
-- The import deletes what it takes (DELETE ... RETURNING, in the
-- transaction that stores the events), so two nodes importing at once
-- never take one row twice. Here the rows not imported yet are queued.
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

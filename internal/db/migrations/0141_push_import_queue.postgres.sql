-- Analytics imports the push log from a narrow queue instead of flagging
-- each imported row: clearing analytics_imported wrote a new version of
-- the whole 1.2 KB log row (and its index entries) to change one flag,
-- which cost more than writing the row. Each row to import (every message
-- and event push; the echostr handshakes are never imported) gets a queue
-- row with the columns the import reads, written by a statement trigger in
-- the INSERT's or COPY's own statement, so it commits with the log row or
-- not at all. The import deletes what it takes (DELETE ... RETURNING, in
-- the transaction that stores the events), so two nodes importing at once
-- never take one row twice. Dropping the column also stops a node still
-- running the previous release from importing by the flag (its UPDATE
-- finds no column and imports nothing), which would count rows twice.
CREATE TABLE push_import_queue (
	id BIGINT PRIMARY KEY, -- the push_deliveries row's id
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
CREATE FUNCTION herald_push_log_to_import() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO push_import_queue (id, account_id, person_id, kind, ok, duration_us, created_at)
		SELECT id, account_id, person_id, kind, ok, duration_us, created_at FROM written WHERE kind <> 'verify';
	RETURN NULL;
END
$$;
CREATE TRIGGER push_deliveries_to_import AFTER INSERT ON push_deliveries
	REFERENCING NEW TABLE AS written
	FOR EACH STATEMENT EXECUTE FUNCTION herald_push_log_to_import();

-- The WeChat-compatible mass-send API (docs/publishing.md): API
-- sends are publish_jobs like the console's, run by the same engine. A send
-- of a plain chat message (text, voice, image, video) has no publication,
-- so publication_id may be NULL; a send to a list of openids (mass/send)
-- has the target 'openids' and its recipients in mass_recipients.
--
-- SQLite cannot drop a NOT NULL or change a CHECK in place: the table is
-- rebuilt with the same columns. Dropping it cascades to publish_job_lanes,
-- whose rows are kept aside and put back. (Anyone adding a column to
-- publish_jobs in a migration numbered below 0074 must add it here too.)
CREATE TABLE mass_lanes_keep AS SELECT * FROM publish_job_lanes;

CREATE TABLE publish_jobs_new (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	publication_id BIGINT REFERENCES publications(id) ON DELETE CASCADE,
	mode TEXT NOT NULL CHECK (mode IN ('publish', 'mass')),
	target TEXT NOT NULL DEFAULT 'all' CHECK (target IN ('all', 'tag', 'openids')),
	tag_id BIGINT NOT NULL DEFAULT 0,
	state TEXT NOT NULL CHECK (state IN ('scheduled', 'queued', 'running', 'done', 'failed', 'cancelled')),
	run_at BIGINT NOT NULL,
	quota_month TEXT NOT NULL DEFAULT '',
	cursor_id BIGINT NOT NULL DEFAULT 0,
	expected BIGINT NOT NULL DEFAULT 0,
	total_count BIGINT NOT NULL DEFAULT 0,
	filter_count BIGINT NOT NULL DEFAULT 0,
	sent_count BIGINT NOT NULL DEFAULT 0,
	error_count BIGINT NOT NULL DEFAULT 0,
	batches INTEGER NOT NULL DEFAULT 0,
	error TEXT NOT NULL DEFAULT '',
	lease_owner TEXT NOT NULL DEFAULT '',
	lease_until BIGINT NOT NULL DEFAULT 0,
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	started_at BIGINT NOT NULL DEFAULT 0,
	finished_at BIGINT NOT NULL DEFAULT 0
);
INSERT INTO publish_jobs_new (id, account_id, publication_id, mode, target, tag_id, state, run_at, quota_month, cursor_id, expected,
	total_count, filter_count, sent_count, error_count, batches, error, lease_owner, lease_until, created_by, created_at, started_at, finished_at)
SELECT id, account_id, publication_id, mode, target, tag_id, state, run_at, quota_month, cursor_id, expected,
	total_count, filter_count, sent_count, error_count, batches, error, lease_owner, lease_until, created_by, created_at, started_at, finished_at
FROM publish_jobs;
DROP TABLE publish_jobs;
ALTER TABLE publish_jobs_new RENAME TO publish_jobs;
CREATE INDEX publish_jobs_due ON publish_jobs (state, run_at);
CREATE INDEX publish_jobs_account ON publish_jobs (account_id, created_at);
INSERT INTO publish_job_lanes SELECT * FROM mass_lanes_keep;
DROP TABLE mass_lanes_keep;

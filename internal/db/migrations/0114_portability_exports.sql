-- Account exports started from the console. Each runs as a work_jobs job
-- (any node may run it, and another takes over when that node dies); the
-- finished archive is kept in the media store under archive_key.
CREATE TABLE portability_exports (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	requested_by BIGINT NOT NULL,
	state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
	current_file TEXT NOT NULL DEFAULT '',
	files_done INTEGER NOT NULL DEFAULT 0,
	files INTEGER NOT NULL DEFAULT 0,
	file_rows BIGINT NOT NULL DEFAULT 0,
	file_total BIGINT NOT NULL DEFAULT 0,
	archive_key TEXT NOT NULL DEFAULT '',
	bytes BIGINT NOT NULL DEFAULT 0,
	error TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	finished_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX portability_exports_account ON portability_exports (account_id, created_at);

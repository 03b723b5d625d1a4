-- Scheduled platform backups: one row a run, so every node sees when the
-- last backup was made (the job runs on one node at a time).
CREATE TABLE backup_runs (
	id BIGINT PRIMARY KEY,
	started_at BIGINT NOT NULL,
	finished_at BIGINT NOT NULL DEFAULT 0,
	file TEXT NOT NULL,
	bytes BIGINT NOT NULL DEFAULT 0,
	error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX backup_runs_started ON backup_runs (started_at);

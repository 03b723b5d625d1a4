-- A mass send's recipients are split into lanes (person_id modulo a prime,
-- then modulo the lane count) that run side by side on PostgreSQL; each
-- lane has its own cursor and counts, committed with its batch, so every
-- lane resumes exactly where it stopped. SQLite uses one lane.
CREATE TABLE publish_job_lanes (
	job_id BIGINT NOT NULL REFERENCES publish_jobs(id) ON DELETE CASCADE,
	lane INTEGER NOT NULL,
	lanes INTEGER NOT NULL,
	cursor_id BIGINT NOT NULL DEFAULT 0,
	done BOOLEAN NOT NULL DEFAULT FALSE,
	batches INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (job_id, lane)
);

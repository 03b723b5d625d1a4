-- The durable work queue shared by every node: pushes to developer
-- servers, finish events and other outbound work. A node claims due rows
-- with a lease; a row whose lease ran out (its node died) is claimed again
-- by another node. attempts counts outbound HTTP attempts across all nodes,
-- so a push is tried at most as often as WeChat tries it.
CREATE TABLE work_jobs (
	id BIGINT PRIMARY KEY,
	kind TEXT NOT NULL,
	account_id BIGINT NOT NULL DEFAULT 0,
	payload TEXT NOT NULL,
	state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'failed')),
	runs INTEGER NOT NULL DEFAULT 0,
	attempts INTEGER NOT NULL DEFAULT 0,
	run_at BIGINT NOT NULL,
	lease_owner TEXT NOT NULL DEFAULT '',
	lease_until BIGINT NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX work_jobs_pending ON work_jobs (state, run_at);
CREATE INDEX work_jobs_leases ON work_jobs (state, lease_until);

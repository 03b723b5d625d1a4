-- State shared by every Herald node on one database.

-- Rate limits (sign-up, follower chat sends, sign-in throttling): one row a
-- key holding the "theoretical arrival time" of the generic cell rate
-- algorithm, in Unix microseconds. A key is allowed an event when
-- tat - burst*interval <= now; each event moves tat by interval. Rows whose
-- tat is in the past are full buckets and may be deleted.
CREATE TABLE rate_limits (
	key TEXT PRIMARY KEY,
	tat BIGINT NOT NULL
);
CREATE INDEX rate_limits_tat ON rate_limits (tat);

-- Leases: one holder at a time per name (the leader of periodic jobs, a
-- node id), until expires_at (Unix microseconds) unless renewed.
CREATE TABLE leases (
	name TEXT PRIMARY KEY,
	holder TEXT NOT NULL,
	expires_at BIGINT NOT NULL
);

-- Facts the whole cluster agrees on, such as the check value of the secret
-- key the database was sealed with.
CREATE TABLE cluster_meta (
	name TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

-- Analytics: raw events captured as things happen, and the
-- rollups that every dashboard and the datacube API read. See
-- docs/analytics.md.

-- Raw events, appended in batches by analytics.Recorder and kept for
-- settings.Platform.RawEventRetentionDays. No foreign keys: inserts stay
-- cheap and an event outlives nothing it points at for long. id is assigned
-- when the batch is written (time-ordered), so the rollup's watermark on id
-- sees every event exactly once. surface is the follow source, the read
-- surface, the share scene, the menu button key or the message type.
CREATE TABLE analytics_events (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL,
	kind TEXT NOT NULL,
	person_id BIGINT NOT NULL DEFAULT 0,
	object_id BIGINT NOT NULL DEFAULT 0,
	surface TEXT NOT NULL DEFAULT '',
	value BIGINT NOT NULL DEFAULT 0,
	failed INTEGER NOT NULL DEFAULT 0,
	device TEXT NOT NULL DEFAULT '',
	at BIGINT NOT NULL
);
CREATE INDEX analytics_events_account_at ON analytics_events (account_id, at);
CREATE INDEX analytics_events_person ON analytics_events (account_id, person_id, at);
CREATE INDEX analytics_events_at ON analytics_events (at);

-- Daily aggregates per account, day in the account's time zone
-- ('YYYY-MM-DD'). surface '*' is every surface, object_id -1 every object.
-- users counts distinct people that day (not additive across days).
CREATE TABLE analytics_daily (
	account_id BIGINT NOT NULL,
	day TEXT NOT NULL,
	kind TEXT NOT NULL,
	surface TEXT NOT NULL,
	object_id BIGINT NOT NULL,
	events BIGINT NOT NULL,
	users BIGINT NOT NULL,
	value_sum BIGINT NOT NULL,
	value_max BIGINT NOT NULL,
	failures BIGINT NOT NULL,
	PRIMARY KEY (account_id, day, kind, surface, object_id)
);

-- Hourly aggregates (hour 0-23 after local midnight), every object.
CREATE TABLE analytics_hourly (
	account_id BIGINT NOT NULL,
	day TEXT NOT NULL,
	hour INTEGER NOT NULL,
	kind TEXT NOT NULL,
	surface TEXT NOT NULL,
	events BIGINT NOT NULL,
	users BIGINT NOT NULL,
	value_sum BIGINT NOT NULL,
	value_max BIGINT NOT NULL,
	failures BIGINT NOT NULL,
	PRIMARY KEY (account_id, day, hour, kind, surface)
);

-- Follower demographics snapshot (region, language, device), refreshed by
-- a background job; pages show only groups of at least
-- settings.Platform.MinDemographicGroup.
CREATE TABLE analytics_demographics (
	account_id BIGINT NOT NULL,
	dimension TEXT NOT NULL CHECK (dimension IN ('region', 'language', 'device')),
	value TEXT NOT NULL,
	followers BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (account_id, dimension, value)
);

-- Platform-wide figures for the admin dashboard, refreshed by a job.
CREATE TABLE analytics_platform (
	metric TEXT PRIMARY KEY,
	value BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

-- Watermarks and markers of the analytics jobs.
CREATE TABLE analytics_state (
	key TEXT PRIMARY KEY,
	value BIGINT NOT NULL
);

-- How many events a raw event row stands for: the analytics writer counts
-- developer API calls of one account, API, outcome, latency and minute in
-- one row; every other row is one event.
ALTER TABLE analytics_events ADD COLUMN n BIGINT NOT NULL DEFAULT 1;

-- An A/B test whose variants all failed before anything was delivered is
-- stopped: its roll-out is cancelled and its send of the quota given back,
-- once, at this time (0: not stopped). The state column keeps 'testing'
-- (its CHECK is not widened); abtest reads such a test as 'stopped'.
ALTER TABLE ab_tests ADD COLUMN stopped_at BIGINT NOT NULL DEFAULT 0;

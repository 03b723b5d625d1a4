-- A/B tests of a mass send's title and cover. Each variant is its own
-- publication (a copy of the draft with another first title and cover)
-- sent by its own mass job to the variant's part of the sample; the rest of
-- the audience later gets the winning publication through one more job.
-- The test takes one send of the quota (quota_month) for all of them.
CREATE TABLE ab_tests (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	draft_id BIGINT NOT NULL,
	target TEXT NOT NULL CHECK (target IN ('all', 'tag')),
	tag_id BIGINT NOT NULL DEFAULT 0,
	sample_percent INTEGER NOT NULL,
	window_minutes INTEGER NOT NULL,
	auto_winner BOOLEAN NOT NULL,
	-- The random order of the sample is a function of this seed (see
	-- abtest.Sample), so the sample can be drawn again and checked.
	seed BIGINT NOT NULL,
	state TEXT NOT NULL CHECK (state IN ('testing', 'rolling_out', 'done')),
	audience BIGINT NOT NULL,
	quota_month TEXT NOT NULL,
	-- The variant sent to the rest (1-based; 0 until decided), who chose it
	-- ('auto' at the end of the window, 'owner' by a click) and the job.
	winner INTEGER NOT NULL DEFAULT 0,
	decided_by TEXT NOT NULL DEFAULT '' CHECK (decided_by IN ('', 'auto', 'owner')),
	winner_job_id BIGINT NOT NULL DEFAULT 0,
	created_by BIGINT NOT NULL,
	started_at BIGINT NOT NULL,
	ends_at BIGINT NOT NULL,
	decided_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX ab_tests_account ON ab_tests (account_id, id);

-- The variants: their publication, the job that sends it to the variant's
-- part of the sample, and what it measured (opens is -1 until the test is
-- decided; then the counts of the window are kept here for good).
CREATE TABLE ab_test_variants (
	test_id BIGINT NOT NULL REFERENCES ab_tests (id) ON DELETE CASCADE,
	variant INTEGER NOT NULL,
	publication_id BIGINT NOT NULL,
	job_id BIGINT NOT NULL,
	title TEXT NOT NULL,
	cover_media_id TEXT NOT NULL,
	recipients BIGINT NOT NULL,
	opens BIGINT NOT NULL DEFAULT -1,
	PRIMARY KEY (test_id, variant)
);

-- The sample: one row per follower, so nobody is in two variants.
CREATE TABLE ab_test_members (
	test_id BIGINT NOT NULL REFERENCES ab_tests (id) ON DELETE CASCADE,
	person_id BIGINT NOT NULL,
	variant INTEGER NOT NULL,
	PRIMARY KEY (test_id, person_id)
);
CREATE INDEX ab_test_members_variant ON ab_test_members (test_id, variant, person_id);

-- The mass jobs of a test: variant 1–4 sends that variant to its part of
-- the sample; variant 0 is the winner's roll-out to the rest.
CREATE TABLE ab_test_jobs (
	job_id BIGINT PRIMARY KEY,
	test_id BIGINT NOT NULL REFERENCES ab_tests (id) ON DELETE CASCADE,
	variant INTEGER NOT NULL
);

-- Account archives imported into an account: importing the same archive
-- again is recognised by its archive_id and changes nothing.
CREATE TABLE portability_imports (
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	archive_id TEXT NOT NULL,
	source_name TEXT NOT NULL DEFAULT '',
	followers BIGINT NOT NULL DEFAULT 0,
	imported_at BIGINT NOT NULL,
	PRIMARY KEY (account_id, archive_id)
);

-- Followers who came with an imported account. Each is held by a placeholder
-- person (who cannot sign in) that keeps the follower's openid, tags,
-- remark and chat, until a person of this platform who had the same email
-- address there is matched to them after a move notice and an opt-out window.
CREATE TABLE moved_followers (
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	email_sha256 TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'notified', 'opted_out', 'moved')),
	claimant_id BIGINT NOT NULL DEFAULT 0,
	notified_at BIGINT NOT NULL DEFAULT 0,
	due_at BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (account_id, person_id)
);
CREATE INDEX moved_followers_email ON moved_followers (email_sha256, state);

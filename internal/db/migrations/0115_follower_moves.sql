-- Followers who came with an imported account, and where their move stands
-- (replaces moved_followers, adding the state "kept"). Each is held by a
-- placeholder person (who cannot sign in) that keeps the follower's openid,
-- tags, remark and chat. A person of this platform whose email address has
-- the same SHA-256 is the claimant: they get a move notice in their chat with
-- the account and can opt out until due_at; then the placeholder's follow,
-- tags, chat, comments and orders become theirs, under the same openid.
CREATE TABLE follower_moves (
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	email_sha256 TEXT NOT NULL DEFAULT '',
	-- waiting: no claimant yet; notified: notice sent, opt-out open until
	-- due_at; opted_out: the claimant declined, the follow stays with the
	-- placeholder; moved: done; kept: the claimant already followed the
	-- account here, so the old follow stays with the placeholder.
	state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'notified', 'opted_out', 'moved', 'kept')),
	claimant_id BIGINT NOT NULL DEFAULT 0,
	notified_at BIGINT NOT NULL DEFAULT 0,
	due_at BIGINT NOT NULL DEFAULT 0,
	decided_at BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (account_id, person_id)
);
CREATE INDEX follower_moves_email ON follower_moves (state, email_sha256);
CREATE INDEX follower_moves_claimant ON follower_moves (claimant_id, state);
CREATE INDEX follower_moves_due ON follower_moves (state, due_at);
INSERT INTO follower_moves (account_id, person_id, email_sha256, state, claimant_id, notified_at, due_at)
	SELECT account_id, person_id, email_sha256, state, claimant_id, notified_at, due_at FROM moved_followers;
DROP TABLE moved_followers;

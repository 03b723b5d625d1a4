-- Auto-reply manners. The default reply (the answer to anything no keyword
-- rule matches) goes to a follower at most once per window the owner sets;
-- autoreply_settings holds that window per account (no row: one hour) and
-- autoreply_default_sent when each follower last got the default reply. The
-- store claims a send with one conditional upsert, so two nodes answering
-- the same follower at once send it once.
CREATE TABLE autoreply_settings (
	account_id BIGINT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
	default_window_seconds BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE autoreply_default_sent (
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	sent_at BIGINT NOT NULL,
	PRIMARY KEY (account_id, person_id)
);

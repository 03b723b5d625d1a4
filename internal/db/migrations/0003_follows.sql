-- A person's relation to an account. The row outlives an unfollow so that the
-- openid stays the same when the person follows again, as on WeChat.
CREATE TABLE follows (
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	openid TEXT NOT NULL UNIQUE,
	following BOOLEAN NOT NULL,
	source TEXT NOT NULL DEFAULT 'other' CHECK (source IN ('search', 'profile', 'qr', 'article', 'other')),
	scene TEXT NOT NULL DEFAULT '',
	subscribed_at BIGINT NOT NULL DEFAULT 0,
	unsubscribed_at BIGINT NOT NULL DEFAULT 0,
	muted BOOLEAN NOT NULL DEFAULT FALSE,
	blocked BOOLEAN NOT NULL DEFAULT FALSE,
	remark TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	PRIMARY KEY (account_id, person_id)
);
CREATE INDEX follows_person ON follows (person_id, following, account_id);
CREATE INDEX follows_account_openid ON follows (account_id, following, openid);

-- Web sign-in, OAuth2: the account's web sign-in domains (hosts
-- that redirect_uri may point at), single-use codes (5 minutes) and the
-- web access tokens (7200 s) with their refresh tokens (30 days).
CREATE TABLE oauth_domains (
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	host TEXT NOT NULL,
	PRIMARY KEY (account_id, host)
);

CREATE TABLE oauth_codes (
	code TEXT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	openid TEXT NOT NULL,
	scope TEXT NOT NULL CHECK (scope IN ('snsapi_base', 'snsapi_userinfo')),
	expires_at BIGINT NOT NULL,
	used_at BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE oauth_tokens (
	token TEXT PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	openid TEXT NOT NULL,
	scope TEXT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX oauth_tokens_expiry ON oauth_tokens (expires_at);

-- Developer API: access tokens, daily quotas, developer-server
-- settings, the push log, QR tickets and temporary media.

-- Access tokens. kind 'normal' comes from /cgi-bin/token, 'stable' from
-- /cgi-bin/stable_token; the two families never affect each other. When a
-- newer token of the same family is issued, the older one is superseded and
-- stays valid for five more minutes.
CREATE TABLE api_tokens (
	token TEXT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('normal', 'stable')),
	expires_at BIGINT NOT NULL,
	superseded_at BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);
CREATE INDEX api_tokens_account ON api_tokens (account_id, kind, created_at);

-- Per-account API state: the stable token's force_refresh counters and the
-- clear_quota allowance (10 a month).
CREATE TABLE api_state (
	account_id BIGINT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
	force_day TEXT NOT NULL DEFAULT '',
	force_count INTEGER NOT NULL DEFAULT 0,
	force_at BIGINT NOT NULL DEFAULT 0,
	clear_month TEXT NOT NULL DEFAULT '',
	clear_count INTEGER NOT NULL DEFAULT 0
);

-- Daily API call counters (day in Beijing time, as WeChat's quotas reset),
-- kept in memory and written here periodically.
CREATE TABLE api_quota (
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	day TEXT NOT NULL,
	path TEXT NOT NULL,
	used BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (account_id, day, path)
);

-- The developer's server and the API IP allowlist (one address or CIDR a
-- line; empty: any caller).
CREATE TABLE dev_settings (
	account_id BIGINT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
	server_url TEXT NOT NULL DEFAULT '',
	token TEXT NOT NULL DEFAULT '',
	aes_key TEXT NOT NULL DEFAULT '',
	mode TEXT NOT NULL DEFAULT 'plaintext' CHECK (mode IN ('plaintext', 'compatible', 'safe')),
	enabled BOOLEAN NOT NULL DEFAULT FALSE,
	ip_allowlist TEXT NOT NULL DEFAULT '',
	verified_at BIGINT NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL
);

-- Every push to a developer's server: what was sent, what came back and
-- what Herald made of it (checks is a JSON list of explained steps).
CREATE TABLE push_deliveries (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	person_id BIGINT NOT NULL DEFAULT 0,
	openid TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL CHECK (kind IN ('message', 'event', 'verify')),
	summary TEXT NOT NULL DEFAULT '',
	dedupe_key TEXT NOT NULL DEFAULT '',
	mode TEXT NOT NULL,
	url TEXT NOT NULL,
	query TEXT NOT NULL DEFAULT '',
	plain TEXT NOT NULL DEFAULT '',
	body TEXT NOT NULL DEFAULT '',
	ok BOOLEAN NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	status_code INTEGER NOT NULL DEFAULT 0,
	response TEXT NOT NULL DEFAULT '',
	reply TEXT NOT NULL DEFAULT '',
	error TEXT NOT NULL DEFAULT '',
	checks TEXT NOT NULL DEFAULT '[]',
	duration_us BIGINT NOT NULL DEFAULT 0,
	replay_of BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);
CREATE INDEX push_deliveries_account ON push_deliveries (account_id, id);

-- QR code tickets (qrcode/create). expires_at 0: permanent.
CREATE TABLE qr_tickets (
	ticket TEXT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	action TEXT NOT NULL CHECK (action IN ('QR_SCENE', 'QR_STR_SCENE', 'QR_LIMIT_SCENE', 'QR_LIMIT_STR_SCENE')),
	scene TEXT NOT NULL,
	expires_at BIGINT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX qr_tickets_account ON qr_tickets (account_id, action, scene);

-- Temporary media (media/upload, and follower media pushed to the
-- developer): valid for three days.
CREATE TABLE temp_media (
	media_id TEXT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	type TEXT NOT NULL,
	media_key TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX temp_media_expiry ON temp_media (expires_at);

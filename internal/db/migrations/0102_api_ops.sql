-- Developer API ops: short keys (shorten/gen, shorten/fetch) and failed
-- calls kept for openapi/rid/get (request and response by the rid in the
-- errmsg), both per account and expiring.
CREATE TABLE short_keys (
	short_key TEXT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	long_data TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX short_keys_expiry ON short_keys (expires_at);

CREATE TABLE api_failures (
	rid TEXT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	invoke_time BIGINT NOT NULL,
	cost_ms INTEGER NOT NULL,
	request_url TEXT NOT NULL,
	request_body TEXT NOT NULL,
	response_body TEXT NOT NULL,
	client_ip TEXT NOT NULL
);
CREATE INDEX api_failures_time ON api_failures (invoke_time);

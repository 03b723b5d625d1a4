-- Linked web apps (Herald's "mini-programs"): a Service account
-- links web apps on its web sign-in domains. Each gets an appid-like id
-- (wa + 16 hex) that menus' miniprogram buttons name; opens counts how
-- often followers opened it from the profile, a menu or an article.
CREATE TABLE webapps (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	appid TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	url TEXT NOT NULL,
	icon_key TEXT NOT NULL DEFAULT '',
	icon_type TEXT NOT NULL DEFAULT '',
	opens BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX webapps_account ON webapps (account_id, id);

-- Version history of an account's menus and auto-reply rules. Every change
-- of what followers get (a console save, an API call, publishing an older
-- or imported version) is a new version holding the whole configuration
-- (JSON in WeChat's menu/get shape for menus; the rules for auto-replies),
-- with its author: a person, or "API". Imported versions are drafts until
-- published. config_heads numbers the versions per account and kind; its
-- row is taken first in every change's transaction, so changes of one
-- account's menus follow each other.
CREATE TABLE config_versions (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('menu', 'autoreply')),
	number BIGINT NOT NULL,
	draft BOOLEAN NOT NULL DEFAULT FALSE,
	author_id BIGINT NOT NULL DEFAULT 0,
	author TEXT NOT NULL,
	action TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	snapshot TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	UNIQUE (account_id, kind, number)
);

CREATE TABLE config_heads (
	account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('menu', 'autoreply')),
	last_number BIGINT NOT NULL,
	PRIMARY KEY (account_id, kind)
);

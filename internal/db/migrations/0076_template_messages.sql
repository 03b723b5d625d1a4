-- Template messages: the platform's template library, each
-- account's industry and private templates (at most 25), and every
-- template message sent, with its outcome and the TEMPLATESENDJOBFINISH
-- push state.
CREATE TABLE template_library (
	id BIGINT PRIMARY KEY,
	short_id TEXT NOT NULL UNIQUE,
	title TEXT NOT NULL,
	industry INTEGER NOT NULL,
	content TEXT NOT NULL,
	example TEXT NOT NULL DEFAULT '',
	retired BOOLEAN NOT NULL DEFAULT FALSE,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE template_industries (
	account_id BIGINT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
	industry1 INTEGER NOT NULL,
	industry2 INTEGER NOT NULL,
	changed_at BIGINT NOT NULL
);

CREATE TABLE account_templates (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	template_id TEXT NOT NULL UNIQUE,
	library_id BIGINT NOT NULL REFERENCES template_library(id),
	industry INTEGER NOT NULL,
	title TEXT NOT NULL,
	content TEXT NOT NULL,
	example TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);
CREATE INDEX account_templates_account ON account_templates (account_id, id);

CREATE TABLE template_sends (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	person_id BIGINT NOT NULL,
	openid TEXT NOT NULL,
	template_id TEXT NOT NULL,
	title TEXT NOT NULL,
	url TEXT NOT NULL DEFAULT '',
	client_msg_id TEXT NOT NULL DEFAULT '',
	dedupe_key TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL CHECK (status IN ('sending', 'success', 'failed:user block', 'failed: system failed')),
	push_state TEXT NOT NULL CHECK (push_state IN ('waiting', 'pending', 'pushing', 'done')),
	push_claimed_at BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);
CREATE INDEX template_sends_account ON template_sends (account_id, id);
CREATE INDEX template_sends_push ON template_sends (push_state, created_at);
CREATE UNIQUE INDEX template_sends_dedupe ON template_sends (account_id, openid, dedupe_key) WHERE dedupe_key <> '';

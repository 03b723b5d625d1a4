-- Subscription notifications (订阅通知): the platform's public template
-- library (administrators keep it), each account's private templates made
-- from it, followers' consents per template, and every notification sent.
CREATE TABLE subscribe_library (
	tid BIGINT PRIMARY KEY,
	title TEXT NOT NULL,
	type INTEGER NOT NULL CHECK (type IN (2, 3)),
	category_id INTEGER NOT NULL,
	keywords TEXT NOT NULL,
	retired BOOLEAN NOT NULL DEFAULT FALSE,
	created_at BIGINT NOT NULL
);
CREATE INDEX subscribe_library_category ON subscribe_library (category_id, tid);

CREATE TABLE subscribe_templates (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	pri_tmpl_id TEXT NOT NULL UNIQUE,
	tid BIGINT NOT NULL REFERENCES subscribe_library(tid),
	title TEXT NOT NULL,
	type INTEGER NOT NULL,
	keywords TEXT NOT NULL,
	scene_desc TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);
CREATE INDEX subscribe_templates_account ON subscribe_templates (account_id, id);

-- A follower's answer for one template (kind 'newtmpl', scene '') or for a
-- legacy one-time subscription (kind 'legacy', per scene). remaining is
-- how many one-time sends the consent still allows; always_allow keeps the
-- answer without asking again.
CREATE TABLE subscribe_consents (
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('newtmpl', 'legacy')),
	template_id TEXT NOT NULL,
	scene TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL CHECK (status IN ('accept', 'reject')),
	remaining INTEGER NOT NULL DEFAULT 0,
	always_allow BOOLEAN NOT NULL DEFAULT FALSE,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (account_id, person_id, kind, template_id, scene)
);

INSERT INTO counters (name, next_value) VALUES ('subscribe_tid', 1000), ('subscribe_msgid', 3000000000);

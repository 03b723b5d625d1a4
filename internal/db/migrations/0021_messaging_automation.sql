-- Messaging and automation: auto-replies, custom menus and their
-- clicks, follower tags, and the customer-service inbox's notes and history.
-- JSON columns are TEXT read only in Go.

-- Auto-reply rules. kind 'follow' and 'default' have at most one row per
-- account (enforced by the store); 'keyword' rules have a name, keywords
-- ([{"match":"exact|contains","text":"..."}]) and up to 5 replies
-- ([{"type":"text|image|news",...}]), sent all or one at random.
CREATE TABLE autoreply_rules (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('follow', 'default', 'keyword')),
	name TEXT NOT NULL DEFAULT '',
	enabled BOOLEAN NOT NULL DEFAULT TRUE,
	reply_mode TEXT NOT NULL DEFAULT 'all' CHECK (reply_mode IN ('all', 'random')),
	keywords TEXT NOT NULL DEFAULT '[]',
	replies TEXT NOT NULL DEFAULT '[]',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX autoreply_rules_account ON autoreply_rules (account_id, kind, id);

-- Custom menus: one default menu per account and any number of conditional
-- menus (matched by follower tag, newest first). buttons is WeChat's button
-- tree as JSON.
CREATE TABLE menus (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	conditional BOOLEAN NOT NULL,
	tag_id BIGINT NOT NULL DEFAULT 0,
	client_platform_type TEXT NOT NULL DEFAULT '',
	buttons TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX menus_account ON menus (account_id, conditional, id);

-- Menu clicks, for analytics: one row per click or link opened.
CREATE TABLE menu_clicks (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	event TEXT NOT NULL,
	button_key TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX menu_clicks_account ON menu_clicks (account_id, created_at);

-- Follower tags. ids are small integers per account as on WeChat: 0, 1 and
-- 2 are reserved, user tags start at 100 and are never reused.
CREATE TABLE tags (
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	id BIGINT NOT NULL,
	name TEXT NOT NULL,
	name_key TEXT NOT NULL,
	follower_count BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (account_id, id),
	UNIQUE (account_id, name_key)
);

CREATE TABLE tag_counters (
	account_id BIGINT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
	next_id BIGINT NOT NULL
);

CREATE TABLE tag_members (
	account_id BIGINT NOT NULL,
	tag_id BIGINT NOT NULL,
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (account_id, tag_id, person_id),
	FOREIGN KEY (account_id, tag_id) REFERENCES tags (account_id, id) ON DELETE CASCADE
);
CREATE INDEX tag_members_person ON tag_members (account_id, person_id, created_at);

-- Customer-service inbox: internal notes (never sent to followers) and the
-- history of takes, transfers and closes.
CREATE TABLE inbox_notes (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	author_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	body TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX inbox_notes_conversation ON inbox_notes (account_id, person_id, id);

CREATE TABLE inbox_events (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	action TEXT NOT NULL CHECK (action IN ('take', 'transfer', 'close', 'reopen')),
	actor_id BIGINT NOT NULL,
	assignee_id BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);
CREATE INDEX inbox_events_conversation ON inbox_events (account_id, person_id, id);

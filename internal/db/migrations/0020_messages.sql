-- Conversations between a follower and an account, and their messages.
-- body is JSON (read only in Go) whose fields depend on kind.
-- No foreign keys on messages and conversations: mass sends insert a million
-- rows at once, every one derived from a follows row in the same
-- transaction, and on PostgreSQL the two key checks per row cost 77% of that
-- insert (20 s instead of 9 s for 1M recipients). Accounts and people are
-- never deleted by Herald (accounts are terminated, not removed).
CREATE TABLE messages (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL,
	person_id BIGINT NOT NULL,
	direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
	kind TEXT NOT NULL CHECK (kind IN ('text', 'image', 'voice', 'video', 'location', 'link', 'news', 'music',
		'publication', 'template', 'notice', 'product', 'receipt')),
	sender TEXT NOT NULL CHECK (sender IN ('follower', 'autoreply', 'agent', 'api', 'developer', 'mass', 'system')),
	agent_id BIGINT NOT NULL DEFAULT 0,
	body TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX messages_conversation ON messages (account_id, person_id, id);

-- One row per (account, follower) that has exchanged a message: the chat
-- list, unread counters, the customer-service window and the inbox state.
CREATE TABLE conversations (
	account_id BIGINT NOT NULL,
	person_id BIGINT NOT NULL,
	last_message_id BIGINT NOT NULL,
	last_at BIGINT NOT NULL,
	last_preview TEXT NOT NULL,
	follower_unread INTEGER NOT NULL DEFAULT 0,
	account_unread INTEGER NOT NULL DEFAULT 0,
	last_inbound_at BIGINT NOT NULL DEFAULT 0,
	window_expires_at BIGINT NOT NULL DEFAULT 0,
	window_remaining INTEGER NOT NULL DEFAULT 0,
	inbox_state TEXT NOT NULL DEFAULT 'none' CHECK (inbox_state IN ('none', 'open', 'assigned', 'closed')),
	assignee_id BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (account_id, person_id)
);
CREATE INDEX conversations_person ON conversations (person_id, last_at);
CREATE INDEX conversations_inbox ON conversations (account_id, inbox_state, last_inbound_at);

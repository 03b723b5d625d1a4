-- A Service account's mass send to chats is stored once (docs/publishing.md,
-- "Service-account sends: stored once, merged on read"): broadcasts holds
-- each part of the send (the chat message every recipient sees, with the
-- id that orders it among the conversation's messages), and
-- broadcast_recipients one narrow row per recipient under the send's first
-- part (send_id). The follower's conversation, chat list, unread count and
-- live replay merge a person's broadcasts with their messages on read.
CREATE TABLE broadcasts (
	id BIGINT PRIMARY KEY,
	send_id BIGINT NOT NULL,
	account_id BIGINT NOT NULL,
	job_id BIGINT NOT NULL DEFAULT 0,
	kind TEXT NOT NULL,
	body TEXT NOT NULL,
	preview TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX broadcasts_account ON broadcasts (account_id, id);
CREATE INDEX broadcasts_job ON broadcasts (job_id, id);

-- Appended in key order by each batch (the send, then person ids rising):
-- no row id, no second index.
CREATE TABLE broadcast_recipients (
	send_id BIGINT NOT NULL,
	person_id BIGINT NOT NULL,
	PRIMARY KEY (send_id, person_id)
) WITHOUT ROWID;

-- Broadcasts with an id above it are unread in the follower's chat list.
ALTER TABLE conversations ADD COLUMN follower_read_id BIGINT NOT NULL DEFAULT 0;

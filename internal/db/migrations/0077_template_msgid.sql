-- Template messages: msgids come from one counter (WeChat's are small
-- numbers; a 63-bit id loses digits in JavaScript's JSON.parse), and the
-- chat message a send delivered is kept apart from its msgid.
CREATE TABLE template_msgid (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	next_msgid BIGINT NOT NULL
);
INSERT INTO template_msgid (id, next_msgid) VALUES (1, 200000000);
ALTER TABLE template_sends ADD COLUMN message_id BIGINT NOT NULL DEFAULT 0;

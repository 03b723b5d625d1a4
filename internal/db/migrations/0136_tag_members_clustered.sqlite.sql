-- tag_members without its own rowid: the primary key (account_id, tag_id,
-- person_id) is the table's B-tree, so a membership is two B-trees (the
-- table and tag_members_person) instead of three, and a follower CSV import
-- or a tagging call writes one less a row. The rows, keys and foreign keys
-- are those of 0021; nothing refers to tag_members.
CREATE TABLE tag_members_new (
	account_id BIGINT NOT NULL,
	tag_id BIGINT NOT NULL,
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (account_id, tag_id, person_id),
	FOREIGN KEY (account_id, tag_id) REFERENCES tags (account_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
INSERT INTO tag_members_new (account_id, tag_id, person_id, created_at)
	SELECT account_id, tag_id, person_id, created_at FROM tag_members ORDER BY account_id, tag_id, person_id;
DROP TABLE tag_members;
ALTER TABLE tag_members_new RENAME TO tag_members;
CREATE INDEX tag_members_person ON tag_members (account_id, person_id, created_at);

-- Public numbers: ids the developer API hands out are small numbers drawn
-- from named counters (db.NextNumber), as WeChat's are, because a 63-bit
-- snowflake id loses digits in JavaScript's JSON.parse (above 2^53).
--   msg_data_id   publications (freepublish, mass sendall mpnews, comment/*)
--   publish_job   publish jobs: publish_id of a publish, msg_id of a mass send
--   mass_preview  msg_id of a mass/preview (no job has it)
--   template_msgid template messages' msgid (was the template_msgid table)
CREATE TABLE counters (
	name TEXT PRIMARY KEY,
	next_value BIGINT NOT NULL
);
INSERT INTO counters (name, next_value) SELECT 'template_msgid', next_msgid FROM template_msgid;
DROP TABLE template_msgid;

ALTER TABLE publications ADD COLUMN msg_data_id BIGINT;
UPDATE publications SET msg_data_id = 2247483647 + n.rn
	FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM publications) n
	WHERE n.id = publications.id;
CREATE UNIQUE INDEX publications_msg_data_id ON publications (msg_data_id);
INSERT INTO counters (name, next_value) SELECT 'msg_data_id', 2247483647 + COUNT(*) FROM publications;

ALTER TABLE publish_jobs ADD COLUMN api_id BIGINT;
UPDATE publish_jobs SET api_id = 1000000000 + n.rn
	FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM publish_jobs) n
	WHERE n.id = publish_jobs.id;
CREATE UNIQUE INDEX publish_jobs_api_id ON publish_jobs (api_id);
INSERT INTO counters (name, next_value) SELECT 'publish_job', 1000000000 + COUNT(*) FROM publish_jobs;

INSERT INTO counters (name, next_value) VALUES ('mass_preview', 3000000000);

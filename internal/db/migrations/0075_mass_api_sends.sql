-- API mass sends (docs/publishing.md and docs/developer-api.md).
-- source: where the job was made (the console or the developer API);
-- msgtype: the API's msgtype (mpnews, text, voice, image, mpvideo; '' for
-- the console); message: JSON of the chat message a send without a
-- publication delivers (publish.MassMessage); client_msg_id: the request's
-- clientmsgid; notified_at: when MASSSENDJOBFINISH was handed to the
-- developer's server (0: not yet); deleted_at: mass/delete.
ALTER TABLE publish_jobs ADD COLUMN source TEXT NOT NULL DEFAULT 'console' CHECK (source IN ('console', 'api'));
ALTER TABLE publish_jobs ADD COLUMN msgtype TEXT NOT NULL DEFAULT '';
ALTER TABLE publish_jobs ADD COLUMN message TEXT NOT NULL DEFAULT '';
ALTER TABLE publish_jobs ADD COLUMN client_msg_id TEXT NOT NULL DEFAULT '';
ALTER TABLE publish_jobs ADD COLUMN notified_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE publish_jobs ADD COLUMN deleted_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX publish_jobs_notify ON publish_jobs (id) WHERE source = 'api' AND notified_at = 0;

-- The recipients of a send to a list of openids (mass/send), in person_id
-- order like every target, so the engine's cursor and lanes work unchanged.
CREATE TABLE mass_recipients (
	job_id BIGINT NOT NULL REFERENCES publish_jobs(id) ON DELETE CASCADE,
	person_id BIGINT NOT NULL,
	PRIMARY KEY (job_id, person_id)
);

-- clientmsgid dedupe: the job made with each clientmsgid of an account in
-- the last 24 hours (45065, or 45066 within a minute).
CREATE TABLE mass_client_msgids (
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	client_msg_id TEXT NOT NULL,
	job_id BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (account_id, client_msg_id)
);

-- mass/speed/set: the account's chosen speed level (0–4).
CREATE TABLE mass_speed (
	account_id BIGINT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
	speed INTEGER NOT NULL CHECK (speed BETWEEN 0 AND 4),
	updated_at BIGINT NOT NULL
);

-- People: one model for platform staff, account members and followers.
CREATE TABLE people (
	id BIGINT PRIMARY KEY,
	username TEXT NOT NULL UNIQUE,
	email TEXT UNIQUE,
	display_name TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	platform_role TEXT NOT NULL DEFAULT '' CHECK (platform_role IN ('', 'admin', 'reviewer')),
	avatar_path TEXT NOT NULL DEFAULT '',
	region TEXT NOT NULL DEFAULT '',
	language TEXT NOT NULL DEFAULT 'en',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	last_seen_at BIGINT NOT NULL,
	ip TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_person ON sessions (person_id);

-- Platform settings that administrators edit live (JSON values, read in Go).
CREATE TABLE settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL,
	updated_at BIGINT NOT NULL
);

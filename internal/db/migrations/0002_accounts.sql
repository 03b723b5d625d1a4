-- Official Accounts and their members. The application and review workflow
-- (issue: accounts lifecycle) adds its own tables; this is the account itself.
CREATE TABLE accounts (
	id BIGINT PRIMARY KEY,
	type TEXT NOT NULL CHECK (type IN ('subscription', 'service')),
	region TEXT NOT NULL CHECK (region IN ('domestic', 'international')),
	name TEXT NOT NULL,
	name_key TEXT NOT NULL UNIQUE,
	description TEXT NOT NULL DEFAULT '',
	avatar_path TEXT NOT NULL DEFAULT '',
	organisation TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'rejected', 'suspended', 'terminated')),
	verified_until BIGINT NOT NULL DEFAULT 0,
	appid TEXT UNIQUE,
	app_secret_hash TEXT NOT NULL DEFAULT '',
	original_id TEXT UNIQUE,
	timezone TEXT NOT NULL DEFAULT 'Asia/Shanghai',
	follower_count BIGINT NOT NULL DEFAULT 0,
	last_published_at BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX accounts_status_name ON accounts (status, name_key);

CREATE TABLE account_members (
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'publisher', 'agent', 'analyst')),
	created_at BIGINT NOT NULL,
	PRIMARY KEY (account_id, person_id)
);
CREATE INDEX account_members_person ON account_members (person_id);

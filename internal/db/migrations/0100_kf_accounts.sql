-- Customer-service (kf) accounts of the developer API: named identities
-- "prefix@<original id>" that an account's inbox agents answer as. A kf
-- account is bound to one member who answers the inbox (person_id), or
-- waits for the invited person (invite_person_id) to become such a member
-- before invite_expires_at.
CREATE TABLE kf_accounts (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	kf_id BIGINT NOT NULL,
	prefix TEXT NOT NULL,
	nickname TEXT NOT NULL,
	head_media_id TEXT NOT NULL DEFAULT '',
	person_id BIGINT NOT NULL DEFAULT 0,
	invite_person_id BIGINT NOT NULL DEFAULT 0,
	invite_wx TEXT NOT NULL DEFAULT '',
	invite_expires_at BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	UNIQUE (account_id, prefix),
	UNIQUE (account_id, kf_id)
);
CREATE INDEX kf_accounts_person ON kf_accounts (account_id, person_id);

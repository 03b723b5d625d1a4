-- Invitations to an account's team. The console invites a username with a
-- role; the person with that username accepts (becoming a member with the
-- role) or declines on their own invitations page until expires_at. An
-- invitation to a username nobody has is stored the same way, so the
-- inviter's page never tells whether a username exists. One pending
-- invitation per account and username: inviting again renews it.
CREATE TABLE account_invitations (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	username TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'publisher', 'agent', 'analyst')),
	invited_by BIGINT NOT NULL,
	state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'declined', 'revoked')),
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	decided_at BIGINT NOT NULL DEFAULT 0
);

CREATE UNIQUE INDEX account_invitations_pending ON account_invitations (account_id, username) WHERE state = 'pending';
CREATE INDEX account_invitations_username ON account_invitations (username, state);

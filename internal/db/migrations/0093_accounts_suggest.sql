-- Discover suggests the active accounts with the most followers: read from
-- the top of this index instead of sorting every account.
CREATE INDEX accounts_suggest ON accounts (status, follower_count, id);

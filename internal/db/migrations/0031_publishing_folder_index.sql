-- The Subscriptions folder picks a reader's most recently published
-- followed accounts (publish.Folder): with this covering index the join from
-- the reader's follows to accounts reads no table rows.
CREATE INDEX accounts_folder ON accounts (id, type, status, last_published_at);

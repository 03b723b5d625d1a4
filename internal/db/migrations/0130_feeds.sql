-- Feeds and the public profile: per account, whether RSS/Atom entries carry
-- the full article or an excerpt, and whether the public profile and feeds
-- ask search engines not to index them. No row: excerpts, indexed.
CREATE TABLE feed_settings (
	account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	full_text BOOLEAN NOT NULL DEFAULT FALSE,
	noindex BOOLEAN NOT NULL DEFAULT FALSE,
	updated_at BIGINT NOT NULL
);

-- The last content of each feed, by its hash, and when it last changed:
-- Last-Modified is exact across nodes for every kind of change (a new
-- publication, a deleted or taken-down article, a renamed account).
CREATE TABLE feed_versions (
	account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	format TEXT NOT NULL CHECK (format IN ('rss', 'atom')),
	etag TEXT NOT NULL,
	changed_at BIGINT NOT NULL,
	PRIMARY KEY (account_id, format)
);

-- An account's newest published publications, for its feeds and profile.
CREATE INDEX publications_feed ON publications (account_id, published_at, id) WHERE state = 'published';

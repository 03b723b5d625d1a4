-- Unguessable addresses for the media library (see docs/security.md):
-- token is 128 random bits (32 hex characters) in every address Herald
-- hands out, /media/M<id>-<token>; the plain /media/M<id> serves an asset
-- only once published_at is set (used by a published article).
-- audited_at is 0 for rows stored before these checks (and imported rows):
-- the media-audit task re-checks such images' dimensions, marks what
-- published articles use, gives a token to rows without one, and sets it.
-- withdrawn is why a stored file is no longer served ('' = served).
ALTER TABLE media_assets ADD COLUMN token TEXT NOT NULL DEFAULT '';
ALTER TABLE media_assets ADD COLUMN published_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE media_assets ADD COLUMN audited_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE media_assets ADD COLUMN withdrawn TEXT NOT NULL DEFAULT '';
UPDATE media_assets SET token = lower(hex(randomblob(16)));
CREATE INDEX media_assets_unaudited ON media_assets (account_id, id) WHERE audited_at = 0;

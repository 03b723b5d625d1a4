-- Permanent materials (the material/* API) are the media library's assets.
-- A video material has a title and an introduction (add_material's
-- description); the library keeps per-kind counts for WeChat's quotas and
-- get_materialcount, maintained with every upload and deletion.
ALTER TABLE media_assets ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE media_assets ADD COLUMN introduction TEXT NOT NULL DEFAULT '';

CREATE TABLE media_asset_counts (
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	n BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (account_id, kind)
);
INSERT INTO media_asset_counts (account_id, kind, n)
	SELECT account_id, kind, COUNT(*) FROM media_assets GROUP BY account_id, kind;

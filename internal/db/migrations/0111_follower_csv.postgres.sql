-- Staging rows of a follower CSV import, loaded with COPY and applied in one
-- set-based update; removed when the import ends. Unlogged: a crash loses
-- only an unfinished import, which is run again.
CREATE UNLOGGED TABLE follower_csv_rows (
	import_id BIGINT NOT NULL,
	line BIGINT NOT NULL,
	openid TEXT NOT NULL,
	remark TEXT NOT NULL,
	blocked BOOLEAN NOT NULL,
	PRIMARY KEY (import_id, line)
);
CREATE INDEX follower_csv_rows_openid ON follower_csv_rows (import_id, openid);

CREATE UNLOGGED TABLE follower_csv_tags (
	import_id BIGINT NOT NULL,
	line BIGINT NOT NULL,
	openid TEXT NOT NULL,
	tag_id BIGINT NOT NULL
);
CREATE INDEX follower_csv_tags_import ON follower_csv_tags (import_id);

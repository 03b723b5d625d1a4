-- Publishing: the media library, drafts and publications of up to
-- 8 articles, reactions and comments, publish / mass-send jobs with their
-- checkpoint, monthly quotas and the followers' Subscriptions folder.
-- See docs/publishing.md.

-- An account's media library. The WeChat-style media_id is derived from id
-- (publish.MediaID), so it needs no column of its own.
CREATE TABLE media_assets (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('image', 'video', 'voice', 'thumb')),
	media_key TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size BIGINT NOT NULL,
	name TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);
CREATE INDEX media_assets_account ON media_assets (account_id, kind, id);

-- A publication: a draft until it is published or mass-sent. title,
-- cover_media_id and article_count repeat the first article for lists and
-- the folder. folder_at is set (> 0) when a Subscription account's mass
-- send to all followers puts it in their Subscriptions folder (fan-out on
-- read, see publish.Folder).
CREATE TABLE publications (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	kind TEXT NOT NULL DEFAULT 'news' CHECK (kind IN ('news', 'video', 'image')),
	state TEXT NOT NULL CHECK (state IN ('draft', 'scheduled', 'published', 'deleted')),
	title TEXT NOT NULL DEFAULT '',
	cover_media_id TEXT NOT NULL DEFAULT '',
	video_media_id TEXT NOT NULL DEFAULT '',
	article_count INTEGER NOT NULL DEFAULT 0,
	first_article_id BIGINT NOT NULL DEFAULT 0,
	preview_key TEXT NOT NULL DEFAULT '',
	mass_sent BOOLEAN NOT NULL DEFAULT FALSE,
	published_at BIGINT NOT NULL DEFAULT 0,
	folder_at BIGINT NOT NULL DEFAULT 0,
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX publications_account ON publications (account_id, state, updated_at);
CREATE INDEX publications_folder ON publications (account_id, folder_at, id) WHERE folder_at > 0;

-- The articles of a publication, in order (idx 0..7). An article's id is
-- its permanent address: /s/{id}.
CREATE TABLE articles (
	id BIGINT PRIMARY KEY,
	publication_id BIGINT NOT NULL REFERENCES publications(id) ON DELETE CASCADE,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	idx INTEGER NOT NULL,
	title TEXT NOT NULL,
	author TEXT NOT NULL DEFAULT '',
	digest TEXT NOT NULL DEFAULT '',
	cover_media_id TEXT NOT NULL DEFAULT '',
	body_format TEXT NOT NULL DEFAULT 'markdown' CHECK (body_format IN ('markdown', 'html')),
	body_source TEXT NOT NULL DEFAULT '',
	body_html TEXT NOT NULL DEFAULT '',
	source_url TEXT NOT NULL DEFAULT '',
	comments_open BOOLEAN NOT NULL DEFAULT TRUE,
	fans_only_comments BOOLEAN NOT NULL DEFAULT FALSE,
	like_count BIGINT NOT NULL DEFAULT 0,
	wow_count BIGINT NOT NULL DEFAULT 0,
	comment_count BIGINT NOT NULL DEFAULT 0,
	deleted BOOLEAN NOT NULL DEFAULT FALSE,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX articles_publication ON articles (publication_id, idx);

-- Likes and "wow" (recommend): one of each per person and article.
CREATE TABLE article_reactions (
	article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('like', 'wow')),
	created_at BIGINT NOT NULL,
	PRIMARY KEY (article_id, person_id, kind)
);

CREATE TABLE article_comments (
	id BIGINT PRIMARY KEY,
	article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	body TEXT NOT NULL,
	featured BOOLEAN NOT NULL DEFAULT FALSE,
	reply TEXT NOT NULL DEFAULT '',
	replied_at BIGINT NOT NULL DEFAULT 0,
	deleted BOOLEAN NOT NULL DEFAULT FALSE,
	created_at BIGINT NOT NULL
);
CREATE INDEX article_comments_article ON article_comments (article_id, deleted, featured, id);
CREATE INDEX article_comments_account ON article_comments (account_id, deleted, id);

-- A publish or mass-send job (its id is the API's publish_id / msg_id).
-- cursor is the last follows.person_id whose delivery is committed: each
-- batch commits its deliveries, counters and the new cursor together, so a
-- crashed job resumes exactly where it stopped. lease_until lets another
-- worker take over a job whose worker died.
CREATE TABLE publish_jobs (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	publication_id BIGINT NOT NULL REFERENCES publications(id) ON DELETE CASCADE,
	mode TEXT NOT NULL CHECK (mode IN ('publish', 'mass')),
	target TEXT NOT NULL DEFAULT 'all' CHECK (target IN ('all', 'tag')),
	tag_id BIGINT NOT NULL DEFAULT 0,
	state TEXT NOT NULL CHECK (state IN ('scheduled', 'queued', 'running', 'done', 'failed', 'cancelled')),
	run_at BIGINT NOT NULL,
	quota_month TEXT NOT NULL DEFAULT '',
	cursor_id BIGINT NOT NULL DEFAULT 0,
	expected BIGINT NOT NULL DEFAULT 0,
	total_count BIGINT NOT NULL DEFAULT 0,
	filter_count BIGINT NOT NULL DEFAULT 0,
	sent_count BIGINT NOT NULL DEFAULT 0,
	error_count BIGINT NOT NULL DEFAULT 0,
	batches INTEGER NOT NULL DEFAULT 0,
	error TEXT NOT NULL DEFAULT '',
	lease_owner TEXT NOT NULL DEFAULT '',
	lease_until BIGINT NOT NULL DEFAULT 0,
	created_by BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	started_at BIGINT NOT NULL DEFAULT 0,
	finished_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX publish_jobs_due ON publish_jobs (state, run_at);
CREATE INDEX publish_jobs_account ON publish_jobs (account_id, created_at);

-- Mass sends used (and reserved by scheduled sends) per account and
-- calendar month in the account's time zone ("2026-11").
CREATE TABLE mass_quota (
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	month TEXT NOT NULL,
	used INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (account_id, month)
);

-- Tag-targeted Subscription sends are delivered per recipient (fan-out on
-- write) so they never show in other followers' folders.
CREATE TABLE folder_deliveries (
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	at BIGINT NOT NULL,
	publication_id BIGINT NOT NULL REFERENCES publications(id) ON DELETE CASCADE,
	account_id BIGINT NOT NULL,
	PRIMARY KEY (person_id, at, publication_id)
);

-- When a follower last opened the Subscriptions folder: items newer than
-- this are unseen.
CREATE TABLE folder_reads (
	person_id BIGINT PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
	read_at BIGINT NOT NULL
);

-- Moves from WeChat started from the console (docs/portability.md). Each
-- runs as a work_jobs job on any node: it pulls the account through the
-- given API into a work directory, builds an archive and imports it. The
-- AppSecret is kept only while the move runs and is blanked when it ends.
CREATE TABLE wechat_imports (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	requested_by BIGINT NOT NULL,
	appid TEXT NOT NULL,
	api_base TEXT NOT NULL,
	secret TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
	step TEXT NOT NULL DEFAULT '',
	done BIGINT NOT NULL DEFAULT 0,
	total BIGINT NOT NULL DEFAULT 0,
	report TEXT NOT NULL DEFAULT '',
	error TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	finished_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX wechat_imports_account ON wechat_imports (account_id, created_at);

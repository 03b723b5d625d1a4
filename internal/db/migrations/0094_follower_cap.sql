-- The per-follower monthly cap of Service accounts (docs/publishing.md,
-- "The per-follower monthly cap"): a send skips followers who already
-- received the cap that month. capped_count is how many a send skipped
-- (they are in total_count, not in filter_count or sent_count).
ALTER TABLE publish_jobs ADD COLUMN capped_count BIGINT NOT NULL DEFAULT 0;

-- One row per account and month that Service sends went out in: each batch
-- of a send holds its month's row while it checks and writes its
-- recipients, so concurrent sends of one account (on any node) take turns
-- and never let a follower past the cap.
CREATE TABLE mass_cap_months (
	account_id BIGINT NOT NULL,
	month TEXT NOT NULL,
	batches BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (account_id, month)
);

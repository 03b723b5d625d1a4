-- Calls that nodes reserved from a quota counter in blocks and have not
-- settled yet (part of used); clearing a quota sets used to held.
ALTER TABLE api_quota ADD COLUMN held BIGINT NOT NULL DEFAULT 0;

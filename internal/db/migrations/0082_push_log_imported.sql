-- Analytics imports each push-log row exactly once by flagging it in the
-- statement that reads it (a watermark over ids made by several nodes'
-- clocks could skip rows or, run by two nodes at once, count them twice).
-- Rows the old watermark already imported, and the echostr handshakes that
-- are never imported, start flagged.
ALTER TABLE push_deliveries ADD COLUMN analytics_imported BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE push_deliveries SET analytics_imported = TRUE
	WHERE kind = 'verify' OR id <= COALESCE((SELECT value FROM analytics_state WHERE key = 'push_watermark'), 0);
CREATE INDEX push_deliveries_unimported ON push_deliveries (id) WHERE analytics_imported = FALSE;

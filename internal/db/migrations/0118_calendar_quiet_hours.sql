-- An account's quiet hours: a daily stretch of local time (minutes after
-- midnight in the account's zone; it may wrap past midnight) when the
-- publishing calendar warns before scheduling a mass send. No row: none.
CREATE TABLE calendar_quiet_hours (
	account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	from_minute INTEGER NOT NULL CHECK (from_minute >= 0 AND from_minute < 1440),
	to_minute INTEGER NOT NULL CHECK (to_minute >= 0 AND to_minute < 1440),
	updated_at BIGINT NOT NULL
);

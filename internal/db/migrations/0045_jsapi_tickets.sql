-- JS-SDK tickets: one jsapi_ticket per account, replaced by a
-- fresh one when it expires (7200 s after it was issued).
CREATE TABLE jsapi_tickets (
	account_id BIGINT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
	ticket TEXT NOT NULL,
	expires_at BIGINT NOT NULL
);

-- Hourly clean-up of expired web sign-in codes.
CREATE INDEX oauth_codes_expiry ON oauth_codes (expires_at);

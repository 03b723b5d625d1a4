-- Web Push for the follower app. The platform's VAPID key pair is made once
-- and shared by every node (the private key sealed with the secret key).
-- A subscription is one browser (device) of one person; its endpoint is the
-- push service's URL for that browser, so it is unique: a browser that
-- subscribes again under another person moves to that person.
CREATE TABLE push_vapid (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	public_key TEXT NOT NULL,
	private_sealed TEXT NOT NULL,
	created_at BIGINT NOT NULL
);

CREATE TABLE push_subscriptions (
	id BIGINT PRIMARY KEY,
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	endpoint TEXT NOT NULL UNIQUE,
	p256dh TEXT NOT NULL,
	auth TEXT NOT NULL,
	device TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	last_ok_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX push_subscriptions_person ON push_subscriptions (person_id, id);

-- A person's notification settings: whether notifications show what a
-- message says, and per account what notifies ('all': messages and mass
-- sends, 'messages': conversation messages only, 'none'). No row: previews
-- shown, everything notifies.
CREATE TABLE push_prefs (
	person_id BIGINT PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
	show_previews BOOLEAN NOT NULL DEFAULT TRUE,
	updated_at BIGINT NOT NULL
);

CREATE TABLE push_account_prefs (
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	notify TEXT NOT NULL CHECK (notify IN ('all', 'messages', 'none')),
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (person_id, account_id)
);

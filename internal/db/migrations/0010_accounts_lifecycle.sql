-- Accounts lifecycle: applications and their review, follower
-- reports, penalties with appeals, and the append-only audit log.
-- See docs/accounts.md for the state machines these tables hold.

-- When the owner was last shown an AppSecret (0: never; approval issues an
-- AppSecret nobody has seen, so the console offers to generate one), and when
-- the lapse of the last verification was recorded.
ALTER TABLE accounts ADD COLUMN secret_issued_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN lapse_noted_at BIGINT NOT NULL DEFAULT 0;

-- An application to register an account, or to renew its verification.
-- The accounts row is created at the first submission (account_id is NULL
-- while the application is a draft).
CREATE TABLE applications (
	id BIGINT PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('registration', 'renewal')),
	person_id BIGINT NOT NULL REFERENCES people(id),
	account_id BIGINT REFERENCES accounts(id),
	type TEXT NOT NULL DEFAULT '' CHECK (type IN ('', 'subscription', 'service')),
	region TEXT NOT NULL DEFAULT '' CHECK (region IN ('', 'domestic', 'international')),
	name TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	organisation TEXT NOT NULL DEFAULT '',
	avatar_key TEXT NOT NULL DEFAULT '',
	contact_name TEXT NOT NULL DEFAULT '',
	contact_email TEXT NOT NULL DEFAULT '',
	contact_phone TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'in_review', 'more_info', 'approved', 'rejected')),
	round INTEGER NOT NULL DEFAULT 0,
	reviewer_id BIGINT REFERENCES people(id),
	decision_note TEXT NOT NULL DEFAULT '',
	first_submitted_at BIGINT NOT NULL DEFAULT 0,
	submitted_at BIGINT NOT NULL DEFAULT 0,
	decided_at BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX applications_queue ON applications (state, first_submitted_at);
CREATE INDEX applications_person ON applications (person_id, created_at);
CREATE INDEX applications_account ON applications (account_id);

-- One uploaded file per required document of an application.
CREATE TABLE application_documents (
	id BIGINT PRIMARY KEY,
	application_id BIGINT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
	requirement TEXT NOT NULL,
	media_key TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size BIGINT NOT NULL,
	filename TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	UNIQUE (application_id, requirement)
);

-- The history the applicant sees: every transition with its note.
CREATE TABLE application_events (
	id BIGINT PRIMARY KEY,
	application_id BIGINT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
	at BIGINT NOT NULL,
	actor_id BIGINT NOT NULL DEFAULT 0,
	action TEXT NOT NULL,
	from_state TEXT NOT NULL,
	to_state TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX application_events_app ON application_events (application_id, at);

-- The three checks of a review round, each pass or fail with a note.
CREATE TABLE review_checks (
	application_id BIGINT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
	round INTEGER NOT NULL,
	check_name TEXT NOT NULL CHECK (check_name IN ('documents', 'information', 'compliance')),
	passed BOOLEAN NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	reviewer_id BIGINT NOT NULL REFERENCES people(id),
	at BIGINT NOT NULL,
	PRIMARY KEY (application_id, round, check_name)
);

-- Reports of an account or an article, by a follower or by a keyword rule.
-- Articles belong to the publishing feature: no foreign key, a snapshot.
CREATE TABLE reports (
	id BIGINT PRIMARY KEY,
	reporter_id BIGINT REFERENCES people(id),
	source TEXT NOT NULL CHECK (source IN ('follower', 'keyword')),
	target_type TEXT NOT NULL CHECK (target_type IN ('account', 'article')),
	target_id BIGINT NOT NULL,
	account_id BIGINT REFERENCES accounts(id),
	reason TEXT NOT NULL,
	details TEXT NOT NULL DEFAULT '',
	snapshot TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL CHECK (state IN ('open', 'actioned', 'dismissed')),
	handled_by BIGINT REFERENCES people(id),
	handled_at BIGINT NOT NULL DEFAULT 0,
	resolution TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);
CREATE INDEX reports_queue ON reports (state, created_at);
CREATE INDEX reports_reporter ON reports (reporter_id, target_type, target_id);

-- Penalties from the ladder. expires_at 0 means it does not expire.
CREATE TABLE penalties (
	id BIGINT PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES accounts(id),
	kind TEXT NOT NULL CHECK (kind IN ('warning', 'takedown', 'restrict', 'suspend', 'terminate')),
	feature TEXT NOT NULL DEFAULT '' CHECK (feature IN ('', 'publishing', 'mass_send', 'messaging', 'comments')),
	article_id BIGINT NOT NULL DEFAULT 0,
	rule TEXT NOT NULL,
	evidence TEXT NOT NULL,
	report_id BIGINT REFERENCES reports(id),
	reviewer_id BIGINT NOT NULL REFERENCES people(id),
	state TEXT NOT NULL CHECK (state IN ('active', 'expired', 'overturned')),
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL DEFAULT 0,
	ended_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX penalties_account ON penalties (account_id, state);
CREATE INDEX penalties_article ON penalties (article_id, kind, state);
CREATE INDEX penalties_expiry ON penalties (state, expires_at);

-- At most one appeal per penalty.
CREATE TABLE appeals (
	id BIGINT PRIMARY KEY,
	penalty_id BIGINT NOT NULL UNIQUE REFERENCES penalties(id),
	account_id BIGINT NOT NULL REFERENCES accounts(id),
	person_id BIGINT NOT NULL REFERENCES people(id),
	statement TEXT NOT NULL,
	state TEXT NOT NULL CHECK (state IN ('pending', 'granted', 'denied')),
	decided_by BIGINT REFERENCES people(id),
	decision_note TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	decided_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX appeals_queue ON appeals (state, created_at);

-- Every review and moderation decision. Append-only: no code path updates or
-- deletes a row, and triggers (0011) refuse it on both engines.
CREATE TABLE audit_log (
	id BIGINT PRIMARY KEY,
	at BIGINT NOT NULL,
	actor_id BIGINT NOT NULL DEFAULT 0,
	actor_name TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL,
	account_id BIGINT NOT NULL DEFAULT 0,
	account_name TEXT NOT NULL DEFAULT '',
	subject_type TEXT NOT NULL DEFAULT '',
	subject_id BIGINT NOT NULL DEFAULT 0,
	detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_account ON audit_log (account_id, at);
CREATE INDEX audit_log_action ON audit_log (action, at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);

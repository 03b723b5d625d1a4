-- The WeChat-compatible mass-send API (docs/publishing.md): API
-- sends are publish_jobs like the console's, run by the same engine. A send
-- of a plain chat message (text, voice, image, video) has no publication,
-- so publication_id may be NULL; a send to a list of openids (mass/send)
-- has the target 'openids' and its recipients in mass_recipients.
ALTER TABLE publish_jobs ALTER COLUMN publication_id DROP NOT NULL;
ALTER TABLE publish_jobs DROP CONSTRAINT publish_jobs_target_check;
ALTER TABLE publish_jobs ADD CONSTRAINT publish_jobs_target_check CHECK (target IN ('all', 'tag', 'openids'));

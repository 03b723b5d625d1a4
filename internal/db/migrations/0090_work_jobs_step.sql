-- The last step of a job that is done and must not be done again when
-- another node takes the job over (a follower's reply stored, for one):
-- written in the same transaction as the step's own effect.
ALTER TABLE work_jobs ADD COLUMN step INTEGER NOT NULL DEFAULT 0;

-- Analytics: cheaper event inserts. Retention now deletes by id (ids are
-- time-ordered), so the index on at goes; the rollup's conversion join only
-- looks up messages, link clicks and payments by person, so that index
-- covers only those kinds. Most events (reads, impressions) now update just
-- the primary key and (account_id, at).
DROP INDEX analytics_events_at;
DROP INDEX analytics_events_person;
CREATE INDEX analytics_events_conv ON analytics_events (account_id, person_id, at) WHERE kind IN ('message_in', 'link_click', 'payment');

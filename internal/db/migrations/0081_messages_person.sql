-- A follower's messages across accounts in id order: what a reconnecting
-- live stream replays after its Last-Event-ID.
CREATE INDEX messages_person ON messages (person_id, id);

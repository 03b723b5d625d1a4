-- The console's follower list: an account's current followers, newest first.
CREATE INDEX follows_account_newest ON follows (account_id, following, subscribed_at, person_id);

-- The console's blacklist: an account's blocked followers, newest first,
-- a page after (or before) a place in that order. follows_account_newest
-- holds the followers by following, not blocked, so each blacklist page
-- read every follow of the account and sorted the blocked ones (100,000
-- rows for an account of 100,000 followers). This index holds only the
-- blocked rows, in the list's order.
CREATE INDEX follows_blacklist_newest ON follows (account_id, subscribed_at, person_id) WHERE blocked = TRUE;

-- The console inbox lists an account's conversations a page at a time in
-- two orders: waiting and assigned ones (the default tab) by
-- last_inbound_at, person_id, and closed ones by last_at DESC, person_id.
-- conversations_inbox (account_id, inbox_state, last_inbound_at) gives
-- neither order for those tabs, so each page read and sorted every open
-- (or every closed: most of an account's) conversation, joining people
-- and follows to each on SQLite before the sort: about 2 s for the closed
-- tab of an account of 100,000 conversations. These partial indexes hold
-- each tab's rows in its order, so a page reads its own rows only.
CREATE INDEX conversations_queue ON conversations (account_id, last_inbound_at, person_id)
	WHERE inbox_state IN ('open', 'assigned');
CREATE INDEX conversations_closed ON conversations (account_id, last_at DESC, person_id)
	WHERE inbox_state = 'closed';

-- The console inbox's "Mine" tab counts the conversations an agent has
-- taken (inbox.Store.Counts, up to a cap). conversations_inbox holds an
-- account's taken conversations but not whose they are, so counting one
-- agent's read every taken conversation of the account. This partial
-- index holds each agent's taken conversations together; it changes only
-- when a conversation is taken, handed over or closed.
CREATE INDEX conversations_mine ON conversations (account_id, assignee_id)
	WHERE inbox_state = 'assigned';

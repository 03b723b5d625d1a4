-- The console inbox's live stream replays an account's messages after the
-- last one a reconnecting page saw (mass sends excepted: they are not
-- announced to the inbox, and one send is a message per recipient).
CREATE INDEX messages_account_live ON messages (account_id, id) WHERE sender <> 'mass';

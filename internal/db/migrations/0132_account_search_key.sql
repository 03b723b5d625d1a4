-- An account's name folded for Discover's search: the normalised name in
-- Simplified characters, its pinyin and the pinyin initials, one per line
-- (written by the application; '' until filled).
ALTER TABLE accounts ADD COLUMN search_key TEXT NOT NULL DEFAULT '';

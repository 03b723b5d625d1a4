-- A person created without a language setting has none (''): their pages
-- follow the browser. The column's default said 'en', which only a row
-- inserted without naming the column still got (an imported visitor).
--
-- SQLite cannot alter a column's default, and rebuilding people is not
-- safe inside a migration's transaction: dropping the old table deletes
-- through the ON DELETE CASCADE of the thirty tables that refer to it, and
-- renaming it rewrites their references. A default is not stored in the
-- rows, so SQLite's documented way for this change is used instead: edit
-- the table's definition in sqlite_schema; writable_schema = RESET makes
-- this connection read the schema again, and creating and dropping a table
-- bumps the schema cookie so that every other connection does too. The
-- edit is transactional like the rest of the step; if the definition is
-- not the one 0001 wrote, it changes nothing.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, 'language TEXT NOT NULL DEFAULT ''en''', 'language TEXT NOT NULL DEFAULT ''''')
	WHERE type = 'table' AND name = 'people';
PRAGMA writable_schema = RESET;
CREATE TABLE schema_reload_0138 (x INTEGER);
DROP TABLE schema_reload_0138;

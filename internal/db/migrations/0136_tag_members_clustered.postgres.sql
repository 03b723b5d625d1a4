-- SQLite only (a table without rowid, clustered on its primary key);
-- PostgreSQL's tag_members already is a heap with the same primary key and
-- index, so its schema stays as 0021 made it.
SELECT 1;

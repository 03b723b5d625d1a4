-- SQLite only: the folder's pick on PostgreSQL joins accounts_folder as
-- before (see 0147_folder_accounts.sqlite.sql).
SELECT 1;

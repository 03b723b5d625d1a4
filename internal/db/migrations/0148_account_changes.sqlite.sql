-- PostgreSQL only: on SQLite the folder's pick reads folder_accounts
-- (0147_folder_accounts.sqlite.sql) and needs no record of changes.
SELECT 1;

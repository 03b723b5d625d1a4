-- PostgreSQL only (page fill factor); SQLite has no equivalent.
SELECT 1;

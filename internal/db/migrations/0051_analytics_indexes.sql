-- Analytics: dashboards read either the every-object rows (object_id -1)
-- or the per-object rows (object_id > 0) of a range of days. This covering
-- index lets both read only the rows they need, without the table.
CREATE INDEX analytics_daily_objects ON analytics_daily (account_id, object_id, day, kind, surface, events, users, value_sum, value_max, failures);

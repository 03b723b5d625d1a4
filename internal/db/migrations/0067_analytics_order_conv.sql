-- Analytics: the conversion join also looks up orders created (the funnel
-- follower → order → paid), so the partial index covers order_created too.
DROP INDEX analytics_events_conv;
CREATE INDEX analytics_events_conv ON analytics_events (account_id, person_id, at) WHERE kind IN ('message_in', 'link_click', 'order_created', 'payment');

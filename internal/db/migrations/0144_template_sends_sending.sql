-- The template-message sweep (every 30 seconds) looks for sends left
-- 'sending' by a stopped process. Without an index on status it read the
-- whole of template_sends each time, every send ever made; this partial
-- index holds only the sends in flight.
CREATE INDEX template_sends_sending ON template_sends (id) WHERE status = 'sending';

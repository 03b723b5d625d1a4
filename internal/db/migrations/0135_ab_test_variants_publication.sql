-- An account's history and feeds ask, for each publication listed, whether
-- it is an A/B test's variant (to list a variant only to whom it was sent).
CREATE INDEX ab_test_variants_publication ON ab_test_variants (publication_id);

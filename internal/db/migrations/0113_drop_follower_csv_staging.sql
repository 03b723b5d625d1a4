-- The follower CSV import no longer stages its lines in tables (it applies
-- them in batches inside one transaction).
DROP TABLE follower_csv_tags;
DROP TABLE follower_csv_rows;

-- Daily bills (WeChat Pay's trade bill and fund-flow bill) of a merchant.
-- A day's bill is made the first time it is asked for, once the day is over
-- in the account's time zone, and kept: every later request, the download
-- and the console serve the same bytes, so the SHA1 given with the
-- download_url always matches (WeChat Pay's bills are snapshots too).
-- kind is 'trade' (bill_type ALL / SUCCESS / REFUND) or 'fundflow'
-- (bill_type is the account_type, BASIC); content is the CSV (UTF-8).
CREATE TABLE pay_bills (
    id         BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    kind       TEXT   NOT NULL CHECK (kind IN ('trade', 'fundflow')),
    bill_date  TEXT   NOT NULL,
    bill_type  TEXT   NOT NULL,
    content    TEXT   NOT NULL,
    sha1       TEXT   NOT NULL,
    lines      INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (account_id, kind, bill_date, bill_type)
);

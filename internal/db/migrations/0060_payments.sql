-- Commerce: Herald Pay. Amounts are integer fen; timestamps Unix
-- microseconds. The ledger is double-entry: every movement is one row in
-- pay_txns with two or more pay_entries summing to zero, written in the same
-- transaction as the balance updates. The one 'external' balance stands for
-- money outside the platform (top-ups come from it, payouts go to it), so it
-- is the only balance that may go below zero.
CREATE TABLE pay_balances (
    id         BIGINT PRIMARY KEY,
    owner_type TEXT   NOT NULL CHECK (owner_type IN ('wallet', 'merchant', 'external')),
    owner_id   BIGINT NOT NULL,
    balance    BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    CHECK (balance >= 0 OR owner_type = 'external'),
    UNIQUE (owner_type, owner_id)
);

CREATE TABLE pay_txns (
    id         BIGINT PRIMARY KEY,
    kind       TEXT   NOT NULL CHECK (kind IN ('topup', 'payment', 'refund', 'payout')),
    account_id BIGINT NOT NULL DEFAULT 0,
    person_id  BIGINT NOT NULL DEFAULT 0,
    order_id   BIGINT NOT NULL DEFAULT 0,
    refund_id  BIGINT NOT NULL DEFAULT 0,
    actor_id   BIGINT NOT NULL DEFAULT 0,
    amount     BIGINT NOT NULL CHECK (amount > 0),
    memo       TEXT   NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX pay_txns_account ON pay_txns (account_id, created_at);
CREATE INDEX pay_txns_person ON pay_txns (person_id, created_at);

CREATE TABLE pay_entries (
    id         BIGINT PRIMARY KEY,
    txn_id     BIGINT NOT NULL REFERENCES pay_txns (id),
    balance_id BIGINT NOT NULL REFERENCES pay_balances (id),
    amount     BIGINT NOT NULL CHECK (amount <> 0),
    created_at BIGINT NOT NULL
);
CREATE INDEX pay_entries_txn ON pay_entries (txn_id);
CREATE INDEX pay_entries_balance ON pay_entries (balance_id, created_at);

-- A Service account's merchant profile. mch_id is the WeChat-Pay-style
-- merchant number; api_v3_key encrypts notifications (AEAD_AES_256_GCM);
-- merchant_public_key verifies the merchant's signed API requests.
CREATE TABLE pay_merchants (
    account_id          BIGINT PRIMARY KEY REFERENCES accounts (id),
    mch_id              TEXT   NOT NULL UNIQUE,
    display_name        TEXT   NOT NULL,
    enabled             INTEGER NOT NULL DEFAULT 1,
    notify_url          TEXT   NOT NULL DEFAULT '',
    api_v3_key          TEXT   NOT NULL DEFAULT '',
    merchant_public_key TEXT   NOT NULL DEFAULT '',
    merchant_serial     TEXT   NOT NULL DEFAULT '',
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);

CREATE TABLE pay_products (
    id          BIGINT PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id),
    name        TEXT   NOT NULL,
    description TEXT   NOT NULL DEFAULT '',
    price       BIGINT NOT NULL CHECK (price > 0),
    stock       BIGINT NOT NULL DEFAULT 0 CHECK (stock >= 0),
    image_key   TEXT   NOT NULL DEFAULT '',
    image_type  TEXT   NOT NULL DEFAULT '',
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX pay_products_account ON pay_products (account_id, id);

CREATE TABLE pay_orders (
    id           BIGINT PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts (id),
    out_trade_no TEXT   NOT NULL,
    person_id    BIGINT NOT NULL DEFAULT 0,
    product_id   BIGINT NOT NULL DEFAULT 0,
    quantity     BIGINT NOT NULL DEFAULT 1 CHECK (quantity > 0),
    description  TEXT   NOT NULL,
    amount       BIGINT NOT NULL CHECK (amount > 0),
    refunded     BIGINT NOT NULL DEFAULT 0,
    state        TEXT   NOT NULL CHECK (state IN ('created', 'paid', 'partially_refunded', 'refunded', 'closed')),
    source       TEXT   NOT NULL CHECK (source IN ('console', 'card', 'article', 'api')),
    trade_type   TEXT   NOT NULL DEFAULT '',
    notify_url   TEXT   NOT NULL DEFAULT '',
    attach       TEXT   NOT NULL DEFAULT '',
    transaction_id TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    paid_at      BIGINT NOT NULL DEFAULT 0,
    closed_at    BIGINT NOT NULL DEFAULT 0,
    updated_at   BIGINT NOT NULL,
    CHECK (refunded >= 0 AND refunded <= amount),
    UNIQUE (account_id, out_trade_no)
);
CREATE INDEX pay_orders_account ON pay_orders (account_id, created_at);
CREATE INDEX pay_orders_person ON pay_orders (person_id, created_at);

CREATE TABLE pay_refunds (
    id            BIGINT PRIMARY KEY,
    account_id    BIGINT NOT NULL REFERENCES accounts (id),
    order_id      BIGINT NOT NULL REFERENCES pay_orders (id),
    out_refund_no TEXT   NOT NULL,
    amount        BIGINT NOT NULL CHECK (amount > 0),
    reason        TEXT   NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    UNIQUE (account_id, out_refund_no)
);
CREATE INDEX pay_refunds_order ON pay_refunds (order_id);

-- Payment and refund notifications to the merchant's notify_url, retried
-- with backoff until the merchant answers 200 or 204.
CREATE TABLE pay_notifications (
    id          BIGINT PRIMARY KEY,
    account_id  BIGINT NOT NULL,
    order_id    BIGINT NOT NULL DEFAULT 0,
    refund_id   BIGINT NOT NULL DEFAULT 0,
    event_type  TEXT   NOT NULL,
    url         TEXT   NOT NULL,
    state       TEXT   NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     BIGINT NOT NULL,
    last_status TEXT   NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX pay_notifications_due ON pay_notifications (state, next_at);

-- The platform's RSA key that signs API responses and notifications.
CREATE TABLE pay_platform_keys (
    serial      TEXT   PRIMARY KEY,
    private_pem TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);

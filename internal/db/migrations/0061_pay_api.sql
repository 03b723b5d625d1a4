-- Commerce: the WeChat Pay v3-shaped API. The platform key gets
-- its self-signed certificate (served at /v3/certificates); notifications
-- keep the plaintext resource they will encrypt when sent; orders are found
-- by transaction_id.
ALTER TABLE pay_platform_keys ADD COLUMN certificate_pem TEXT NOT NULL DEFAULT '';
ALTER TABLE pay_notifications ADD COLUMN body TEXT NOT NULL DEFAULT '';
CREATE INDEX pay_orders_transaction ON pay_orders (transaction_id);

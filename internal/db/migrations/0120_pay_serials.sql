-- Certificate serials are kept as WeChat Pay and OpenSSL write them: the
-- serial's bytes as upper-case hex, two digits per byte. Serials stored
-- before that lost the leading zero of a first byte below 0x10 (an odd
-- number of digits); give it back, so /v3/certificates, the Wechatpay-Serial
-- header and the console all name the certificate the way clients file it.
UPDATE pay_platform_keys SET serial = '0' || serial WHERE length(serial) % 2 = 1;
UPDATE pay_merchants SET merchant_serial = upper(merchant_serial) WHERE merchant_serial <> upper(merchant_serial);
UPDATE pay_merchants SET merchant_serial = '0' || merchant_serial WHERE length(merchant_serial) % 2 = 1;

// Drives Herald Pay's /v3/ API with the real wechatpay-node-v3 client.
// Usage: node client.js <config.json> <phase>; prints one JSON line.
// The library's HTTP service is replaced by one that sends to Herald instead
// of api.mch.weixin.qq.com and checks every response's Wechatpay-Signature
// with the library's own verifySign (after fetchCertificates, which
// decrypts the platform certificate with the APIv3 key).
'use strict';
const fs = require('fs');
const WxPay = require('wechatpay-node-v3');

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const phase = process.argv[3];
const WX = 'https://api.mch.weixin.qq.com';
const pay = new WxPay({
  appid: cfg.appid, mchid: cfg.mchid, serial_no: cfg.serial,
  publicKey: Buffer.from(cfg.publicKey), privateKey: Buffer.from(cfg.privateKey), key: cfg.apiV3Key,
});
const checks = [];
let verifying = false;

async function send(method, url, params, headers) {
  const target = url.replace(WX, cfg.base);
  const res = await fetch(target, { method, headers, body: params === undefined ? undefined : JSON.stringify(params) });
  const raw = await res.text();
  const h = (n) => res.headers.get(n) || '';
  if (verifying) {
    const ok = await pay.verifySign({ timestamp: h('wechatpay-timestamp'), nonce: h('wechatpay-nonce'), body: raw,
      serial: h('wechatpay-serial'), signature: h('wechatpay-signature'), apiSecret: cfg.apiV3Key });
    checks.push({ url: new URL(target).pathname, status: res.status, verified: ok });
  }
  let data;
  try { data = raw ? JSON.parse(raw) : undefined; } catch (e) { data = raw; }
  return { status: res.status, data };
}
pay.createHttp({
  get: (url, headers) => send('GET', url, undefined, headers),
  post: (url, params, headers) => send('POST', url, params, headers),
});

async function main() {
  const out = {};
  if (phase === 'notify') {
    const n = cfg.notification;
    await pay.fetchCertificates(cfg.apiV3Key);
    out.verified = await pay.verifySign({ timestamp: n.headers['Wechatpay-Timestamp'], nonce: n.headers['Wechatpay-Nonce'], body: n.body,
      serial: n.headers['Wechatpay-Serial'], signature: n.headers['Wechatpay-Signature'], apiSecret: cfg.apiV3Key });
    const env = JSON.parse(n.body);
    out.event_type = env.event_type;
    out.resource = pay.decipher_gcm(env.resource.ciphertext, env.resource.associated_data, env.resource.nonce, cfg.apiV3Key);
    console.log(JSON.stringify(out));
    return;
  }
  // The library fetches and decrypts the platform certificate itself.
  const certs = await pay.get_certificates(cfg.apiV3Key);
  out.cert_serials = certs.map((c) => c.serial_no);
  await pay.fetchCertificates(cfg.apiV3Key);
  verifying = true;
  if (phase === 'create') {
    const order = { description: 'Piggy bank', out_trade_no: cfg.outTradeNo, notify_url: cfg.notifyURL, amount: { total: 2550 }, payer: { openid: cfg.openid } };
    const r1 = await pay.transactions_jsapi(order);
    const r2 = await pay.transactions_jsapi(order);
    out.jsapi = { status: r1.status, package: r1.data && r1.data.package, paySign: !!(r1.data && r1.data.paySign), again: r2.data && r2.data.package };
    const n = await pay.transactions_native({ description: 'Card holder', out_trade_no: cfg.nativeNo, notify_url: cfg.notifyURL, amount: { total: 800 } });
    out.native = { status: n.status, code_url: n.data && n.data.code_url };
    const q = await pay.query({ out_trade_no: cfg.outTradeNo });
    out.query = { status: q.status, trade_state: q.data && q.data.trade_state };
    const bad = await pay.transactions_jsapi({ ...order, out_trade_no: cfg.outTradeNo, amount: { total: 1 } });
    out.conflict = { status: bad.status, code: bad.data && bad.data.code };
  } else if (phase === 'after') {
    const q = await pay.query({ out_trade_no: cfg.outTradeNo });
    out.query = { status: q.status, trade_state: q.data.trade_state, transaction_id: q.data.transaction_id, openid: q.data.payer && q.data.payer.openid, total: q.data.amount.total };
    const byID = await pay.query({ transaction_id: q.data.transaction_id });
    out.by_id = { status: byID.status, out_trade_no: byID.data.out_trade_no };
    const refund = { out_trade_no: cfg.outTradeNo, out_refund_no: 'refund-node-1', reason: 'cracked', notify_url: cfg.notifyURL,
      amount: { refund: 500, total: 2550, currency: 'CNY' } };
    const r1 = await pay.refunds(refund);
    const r2 = await pay.refunds(refund);
    out.refund = { status: r1.status, refund_status: r1.data.status, refund_id: r1.data.refund_id, again: r2.data.refund_id, refund: r1.data.amount.refund };
    const over = await pay.refunds({ ...refund, out_refund_no: 'refund-node-2', amount: { refund: 2051, total: 2550, currency: 'CNY' } });
    out.over = { status: over.status, code: over.data.code, message: over.data.message };
    const fr = await pay.find_refunds('refund-node-1');
    out.find_refund = { status: fr.status, refund_status: fr.data.status };
    const c = await pay.close(cfg.nativeNo);
    out.close = { status: c.status };
    const qn = await pay.query({ out_trade_no: cfg.nativeNo });
    out.native_state = qn.data.trade_state;
    const missing = await pay.query({ out_trade_no: 'no-such-order' });
    out.missing = { status: missing.status, code: missing.data.code };
  }
  verifying = false;
  // A request signed with a key Herald does not know is refused.
  const crypto = require('crypto');
  const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  const forged = new WxPay({ appid: cfg.appid, mchid: cfg.mchid, serial_no: cfg.serial, publicKey: Buffer.from(cfg.publicKey), privateKey: Buffer.from(other) });
  forged.createHttp({ get: (u, h) => send('GET', u, undefined, h), post: (u, p, h) => send('POST', u, p, h) });
  const f = await forged.query({ out_trade_no: cfg.outTradeNo });
  out.forged = { status: f.status, code: f.data && f.data.code };
  out.checks = checks;
  console.log(JSON.stringify(out));
}
main().catch((e) => { console.error(e && e.stack || e); process.exit(1); });

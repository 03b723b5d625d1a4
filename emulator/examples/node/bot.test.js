// A bot on npm `wechat`, tested against `herald emulate` (docs/emulator.md).
// Run: npm install && npm test   (Node 18+; `herald` on the PATH, or HERALD=/path/to/herald)
const { test } = require('node:test');
const assert = require('node:assert');
const { spawn } = require('node:child_process');
const readline = require('node:readline');
const express = require('express');
const wechat = require('wechat');

const config = { token: 'bottoken', appid: 'wx00e1a7e0b0712345',
  encodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' };

test('bot answers through the emulator', async (t) => {
  const seen = [];
  const app = express();
  app.use('/wechat', wechat(config, (req, res) => {
    const m = req.weixin;
    seen.push(m.MsgType === 'event' ? 'event/' + m.Event : m.MsgType);
    if (m.MsgType === 'text') return res.reply('You said: ' + m.Content);
    if (m.Event === 'LOCATION') return res.reply(`You are at ${m.Latitude},${m.Longitude}`);
    if (m.Event === 'VIEW') return res.reply(`Viewed ${m.EventKey} in menu ${m.MenuId}`);
    res.reply('');
  }));
  const server = await new Promise((ok) => { const s = app.listen(0, '127.0.0.1', () => ok(s)); });
  const pushUrl = `http://127.0.0.1:${server.address().port}/wechat`;

  // --in-memory: nothing on disk; --push-timeout: delay faults take 300 ms, not 5 s.
  const emu = spawn(process.env.HERALD || 'herald', ['emulate', '--in-memory', '--push-timeout', '300ms',
    '--appid', config.appid, '--token', config.token, '--aes-key', config.encodingAESKey,
    '--push-url', pushUrl, '--mode', 'safe'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => { emu.kill('SIGTERM'); server.close(); });
  const line = await new Promise((ok) => readline.createInterface({ input: emu.stdout }).once('line', ok));
  const info = JSON.parse(line);

  const ctl = async (path, body) => (await fetch(info.control_url + path,
    { method: 'POST', body: JSON.stringify(body || {}) })).json();
  const api = async (path, body) => (await fetch(info.base_url + path,
    body ? { method: 'POST', body: JSON.stringify(body) } : {})).json();

  await ctl('followers', { name: 'ada', follow: true });
  let res = await ctl('followers/ada/send', { text: 'hello' });
  assert.strictEqual(res.messages[0].body.text, 'You said: hello');
  res = await ctl('followers/ada/report-location', { lat: 31.23, lng: 121.47, precision: 65 });
  assert.strictEqual(res.messages[0].body.text, 'You are at 31.23,121.47');

  // The developer API: a menu, then a tap on its link button (VIEW with MenuId).
  const tok = await api(`/cgi-bin/token?grant_type=client_credential&appid=${info.appid}&secret=${info.secret}`);
  const created = await api(`/cgi-bin/menu/create?access_token=${tok.access_token}`,
    { button: [{ type: 'view', name: 'Site', url: 'https://example.com/site' }] });
  assert.strictEqual(created.errcode, 0);
  // Herald's menuid is a 64-bit id, past JavaScript's exact integers
  // (2^53): read it from the raw JSON, not through JSON.parse.
  const raw = await (await fetch(`${info.base_url}/cgi-bin/menu/get?access_token=${tok.access_token}`)).text();
  const menuid = raw.match(/"menuid":\s*(\d+)/)[1];
  res = await ctl('followers/ada/tap', { button: 'Site' });
  assert.strictEqual(res.messages[0].body.text, `Viewed https://example.com/site in menu ${menuid}`);

  // A slow server: every answer is held past the push timeout; WeChat
  // retries twice, then the follower sees the notice.
  const before = seen.length;
  await ctl('faults', { delay_pushes: 3 });
  res = await ctl('followers/ada/send', { text: 'slow' });
  assert.strictEqual(res.messages[0].body.text, 'This account cannot serve you right now. Please try again later.');
  assert.strictEqual(seen.length - before, 3);

  // The token expires after 7200 s of emulated time.
  await ctl('clock/advance', { seconds: 7201 });
  const r = await api(`/cgi-bin/get_api_domain_ip?access_token=${tok.access_token}`);
  assert.strictEqual(r.errcode, 42001);
});

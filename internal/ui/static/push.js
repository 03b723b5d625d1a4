// Registers the service worker (/sw.js: the offline shell and
// notifications) on the follower app's pages, and on the notifications page
// turns this device's Web Push subscription on and off.
(function () {
  'use strict';
  if (!('serviceWorker' in navigator)) {
    status('This browser cannot receive notifications.');
    return;
  }
  var ready = navigator.serviceWorker.register('/sw.js', { scope: '/' }).then(function () {
    return navigator.serviceWorker.ready;
  });

  var box = document.querySelector('[data-push-device]');
  if (!box) {
    ready.catch(function () {}); // a page without the settings only needs the worker
    return;
  }
  var on = box.querySelector('[data-push-on]');
  var off = box.querySelector('[data-push-off]');

  // The page writes the texts in its language (data-texts on the status
  // line: English key to text).
  function status(text) {
    var el = document.querySelector('[data-push-status]');
    if (!el) return;
    var texts = {};
    try {
      texts = JSON.parse(el.getAttribute('data-texts') || '{}');
    } catch (e) {}
    el.textContent = texts[text] || text;
  }

  if (!('PushManager' in window) || !('Notification' in window)) {
    status('This browser cannot receive notifications.');
    return;
  }

  // The VAPID public key comes base64url-encoded; the Push API wants bytes.
  function keyBytes(b64) {
    var s = b64.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) s += '=';
    var raw = atob(s);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function post(path, body) {
    return fetch(path, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().then(function (j) {
        if (!res.ok) throw new Error(j.error || 'The server refused the request.');
        return j;
      });
    });
  }

  function show(sub) {
    on.hidden = !!sub;
    off.hidden = !sub;
    if (sub) {
      status('Notifications are on for this device.');
    } else if (Notification.permission === 'denied') {
      status('Notifications are blocked for Herald in this browser\u2019s site settings.');
      on.hidden = true;
    } else {
      status('Notifications are off on this device.');
    }
  }

  function refresh() {
    return ready.then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (sub) {
      // A subscription the browser still holds is stored again, so a
      // device removed on the server (or moved to another person) comes back.
      if (sub) post('/push/subscribe', sub.toJSON()).catch(function () {});
      show(sub);
    });
  }

  on.addEventListener('click', function () {
    on.disabled = true;
    Notification.requestPermission().then(function (perm) {
      if (perm !== 'granted') throw new Error('Notifications were not allowed.');
      return Promise.all([ready, fetch('/push/key', { credentials: 'same-origin' }).then(function (r) { return r.json(); })]);
    }).then(function (both) {
      return both[0].pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(both[1].public_key) });
    }).then(function (sub) {
      return post('/push/subscribe', sub.toJSON()).then(function () { show(sub); });
    }).catch(function (err) {
      status(err && err.message ? err.message : 'Notifications could not be turned on.');
    }).then(function () { on.disabled = false; });
  });

  off.addEventListener('click', function () {
    off.disabled = true;
    ready.then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (sub) {
      if (!sub) return null;
      var endpoint = sub.endpoint;
      return sub.unsubscribe().then(function () { return post('/push/unsubscribe', { endpoint: endpoint }); });
    }).then(function () { show(null); }).catch(function (err) {
      status(err && err.message ? err.message : 'Notifications could not be turned off.');
    }).then(function () { off.disabled = false; });
  });

  refresh().catch(function () { status('Notifications are not available in this browser.'); });
})();

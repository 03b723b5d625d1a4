// Herald's service worker, served at /sw.js after a first line that names
// SHELL (the offline page, the manifest and the current fingerprinted
// styles, scripts and icons) and VERSION (which changes with them).
//
// - install: keep the shell in a cache of this version;
// - activate: drop the caches of older versions and take over open pages;
// - fetch: fingerprinted files and icons from the cache first; follower
//   pages from the network, and when that fails the offline page (pages
//   themselves are never stored: nothing personal stays on the device);
// - push: show the notification Herald sent (account, preview, chat);
// - notificationclick: open that chat in an open window or a new one.
/* global SHELL, VERSION */
'use strict';

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(VERSION).then(function (cache) {
    return cache.addAll(SHELL);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf('herald-shell-') === 0 && n !== VERSION;
    }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

// Pages of the console and the admin, the APIs and live streams are left
// to the network untouched.
function followerPage(url) {
  var p = url.pathname;
  return !(p.indexOf('/mp/') === 0 || p === '/mp' || p.indexOf('/admin/') === 0 || p === '/admin' ||
    p.indexOf('/cgi-bin/') === 0 || p.indexOf('/v3/') === 0 || p === '/events');
}

self.addEventListener('fetch', function (event) {
  var req = event.request;
  if (req.method !== 'GET') return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf('/static/') === 0 || url.pathname.indexOf('/icons/') === 0 || url.pathname === '/manifest.webmanifest') {
    event.respondWith(caches.match(req).then(function (hit) {
      return hit || fetch(req);
    }));
    return;
  }
  if (req.mode === 'navigate' && followerPage(url)) {
    event.respondWith(fetch(req).catch(function () {
      return caches.match('/offline').then(function (page) {
        return page || new Response('You are offline.', { status: 503, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
      });
    }));
  }
});

self.addEventListener('push', function (event) {
  var n = {};
  try {
    n = event.data ? event.data.json() : {};
  } catch (e) {
    n = {};
  }
  var url = typeof n.url === 'string' && n.url.charAt(0) === '/' && n.url.charAt(1) !== '/' ? n.url : '/';
  event.waitUntil(self.registration.showNotification(n.title || 'Herald', {
    body: n.body || 'New message',
    tag: n.tag || 'herald',
    renotify: true,
    icon: '/icons/icon-192.png',
    badge: '/icons/icon-192.png',
    data: { url: url }
  }));
});

self.addEventListener('notificationclick', function (event) {
  event.notification.close();
  var target = new URL((event.notification.data && event.notification.data.url) || '/', self.location.origin).href;
  event.waitUntil(self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(function (list) {
    for (var i = 0; i < list.length; i++) {
      var c = list[i];
      if (new URL(c.url).origin === self.location.origin && 'focus' in c) {
        return c.focus().then(function (f) { return f.navigate ? f.navigate(target) : f; });
      }
    }
    return self.clients.openWindow(target);
  }));
});

// A push service may replace a subscription (keys rotated, expiry): the
// new one is stored again for the same person.
self.addEventListener('pushsubscriptionchange', function (event) {
  var opts = event.oldSubscription && event.oldSubscription.options;
  if (!opts) return;
  event.waitUntil(self.registration.pushManager.subscribe(opts).then(function (sub) {
    return fetch('/push/subscribe', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(sub.toJSON())
    });
  }));
});

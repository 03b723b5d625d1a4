// Herald follower app: live chat list and conversation over server-sent
// events (/events), sending without a page reload, composer tabs and the
// "use my location" button. Every page works without this file: forms post
// and the pages reload. Message text is only ever put in the page with
// textContent.
"use strict";
(() => {
  // Texts the script writes, in the page's language: the page lists their
  // translations in data-texts (English keys, as the catalogue's).
  const texts = (() => {
    const e = document.querySelector("[data-texts]");
    try { return e ? JSON.parse(e.dataset.texts) : {}; } catch (_) { return {}; }
  })();
  const tr = (s) => texts[s] || s;
  const chat = document.querySelector("[data-live=chat]");
  const list = document.querySelector("[data-live=chatlist]");

  // ---- Live updates -------------------------------------------------------
  if ((chat || list) && window.EventSource) {
    // The conversation says where its stream starts (an id from before the
    // server read its messages): what was stored while it rendered is
    // replayed, not lost, and addMessage skips what the page already shows.
    // Reconnects send Last-Event-ID instead.
    const after = chat ? chat.dataset.after : "";
    const es = new EventSource("/events" + (after ? "?after=" + encodeURIComponent(after) : ""));
    let readies = 0;
    es.addEventListener("ready", () => {
      document.body.dataset.live = "on";
      // After a reconnect, catch up on what was sent meanwhile.
      if (readies++ > 0) { if (chat) resyncChat(); else refreshList(); }
    });
    es.addEventListener("message", (e) => {
      let m;
      try { m = JSON.parse(e.data); } catch (_) { return; }
      if (chat && m.account_id === chat.dataset.account) {
        addMessage(m);
        if (m.direction === "out") markRead();
      } else if (list && !shown(m)) {
        refreshList();
      }
    });
    es.addEventListener("read", () => { if (list) refreshList(); });
    // More was stored than the server replays: reload what the page shows.
    es.addEventListener("resync", () => { if (chat) resyncChat(); else refreshList(); });
    window.addEventListener("pagehide", () => es.close());
  }

  // shown says whether the chat list already shows message m (a replay
  // resends what was stored just before the page was rendered). Ids are
  // 64-bit: compared as BigInt, never as Number.
  function shown(m) {
    const row = list.querySelector('li.row[data-account="' + m.account_id + '"]');
    try { return !!(row && row.dataset.last && BigInt(m.id) <= BigInt(row.dataset.last)); } catch (_) { return false; }
  }

  // The chat list is re-rendered by the server and swapped in whole.
  let refreshing = null;
  function refreshList() {
    if (refreshing) { refreshing.again = true; return; }
    refreshing = { again: false };
    fetch("/", { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then((r) => r.ok ? r.text() : Promise.reject(r.status))
      .then((html) => {
        const doc = new DOMParser().parseFromString(html, "text/html");
        const fresh = doc.querySelector("[data-live=chatlist]");
        const cur = document.querySelector("[data-live=chatlist]");
        if (fresh && cur) cur.replaceChildren(...fresh.childNodes);
        document.title = doc.title; // "(3) Chats · Herald"
      })
      .catch(() => {})
      .finally(() => {
        const again = refreshing.again;
        refreshing = null;
        if (again) refreshList();
      });
  }

  // resyncChat adds the server-rendered messages this page does not have.
  function resyncChat() {
    fetch(location.pathname, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then((r) => r.ok ? r.text() : Promise.reject(r.status))
      .then((html) => {
        const doc = new DOMParser().parseFromString(html, "text/html");
        const ol = chat.querySelector(".messages");
        let added = false;
        const wasAtBottom = atBottom();
        doc.querySelectorAll(".messages > li[data-id]").forEach((li) => {
          if (!ol.querySelector('[data-id="' + li.dataset.id + '"]')) {
            ol.querySelector("[data-empty]")?.remove();
            tplColors(ol.appendChild(document.importNode(li, true)));
            added = true;
          }
        });
        if (added) arrived(wasAtBottom);
      })
      .catch(() => {});
  }

  function markRead() {
    fetch("/chat/" + chat.dataset.account + "/read", { method: "POST", credentials: "same-origin" }).catch(() => {});
  }

  function el(tag, cls, text) {
    const n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined) n.textContent = text;
    return n;
  }

  // safeHref allows only http(s) and local links.
  function safeHref(u) {
    if (!u) return "";
    try {
      const p = new URL(u, location.href);
      return p.protocol === "http:" || p.protocol === "https:" ? p.href : "";
    } catch (_) { return ""; }
  }

  function card(href, title, desc, extra) {
    const a = el(href ? "a" : "div", "card-link");
    if (href) a.href = href;
    a.appendChild(el("strong", "", title || ""));
    if (desc) a.appendChild(el("span", "muted", desc));
    if (extra) a.appendChild(el("span", "read-more", extra));
    return a;
  }

  // tplColors gives template values their colour (data-color: the page's
  // CSP allows no inline style attributes, but allows setting style).
  function tplColors(root) {
    root.querySelectorAll(".tpl-value[data-color]").forEach((v) => {
      if (/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(v.dataset.color)) v.style.color = v.dataset.color;
    });
  }

  // addMessage renders a message from the event stream, like chat_msg in
  // chat.html does on the server.
  function addMessage(m) {
    const ol = chat.querySelector(".messages");
    if (!ol || ol.querySelector('[data-id="' + m.id + '"]')) return;
    const empty = ol.querySelector("[data-empty]");
    if (empty) empty.remove();
    const b = m.body || {};
    const li = el("li", "msg " + (m.direction === "in" ? "mine" : "theirs") + (m.kind === "notice" ? " system" : ""));
    li.dataset.id = m.id;
    li.dataset.kind = m.kind;
    const bubble = el("div", "bubble");
    switch (m.kind) {
      case "text": case "notice":
        bubble.appendChild(el("p", "text", b.text || ""));
        break;
      case "image": {
        const src = "/chat/" + chat.dataset.account + "/media/" + m.id;
        const a = el("a"); a.href = src;
        const img = el("img"); img.src = src; img.alt = tr("Image");
        a.appendChild(img); bubble.appendChild(a);
        break;
      }
      case "voice": {
        const au = el("audio", "voice");
        au.controls = true; au.preload = "metadata"; au.dataset.testid = "voice";
        au.src = "/chat/" + chat.dataset.account + "/media/" + m.id;
        bubble.appendChild(au);
        break;
      }
      case "video": {
        const src = "/chat/" + chat.dataset.account + "/media/" + m.id;
        const v = el("video", "video");
        v.controls = true; v.preload = "metadata"; v.playsInline = true; v.dataset.testid = "video";
        if (b.thumb) v.poster = src + "?thumb=1";
        v.src = src;
        bubble.appendChild(v);
        if (b.title) bubble.appendChild(el("p", "text", b.title));
        break;
      }
      case "link":
        bubble.appendChild(card(safeHref(b.url), "[Link] " + (b.title || ""), b.description));
        break;
      case "location": {
        const place = el("p", "text");
        const pin = document.querySelector("template[data-icons] svg");
        if (pin) place.append(pin.cloneNode(true), " ");
        place.append(b.label || "");
        bubble.appendChild(place);
        const a = el("a", "", tr("Open map"));
        a.href = "https://www.openstreetmap.org/?mlat=" + b.lat + "&mlon=" + b.lng + "#map=16/" + b.lat + "/" + b.lng;
        a.target = "_blank"; a.rel = "noopener noreferrer";
        bubble.appendChild(a);
        break;
      }
      case "news":
        (b.articles || []).forEach((art) => bubble.appendChild(card(safeHref(art.url), art.title, art.description)));
        break;
      case "publication": {
        const arts = b.articles && b.articles.length ? b.articles : [{ title: b.title, description: b.description, url: b.url }];
        arts.forEach((art, i) => {
          const c = card(safeHref(art.url), art.title, i === 0 ? art.description : "");
          c.dataset.testid = "publication";
          if (i === 0) {
            c.classList.add("article-card");
            const pic = safeHref(art.picurl);
            if (pic) { const img = el("img", "cover-wide"); img.src = pic; img.alt = ""; c.prepend(img); }
          }
          bubble.appendChild(c);
        });
        break;
      }
      case "template": {
        const c = el("div", "card-link tpl-card");
        c.dataset.testid = "template-card";
        c.appendChild(el("strong", "", b.title || ""));
        (Array.isArray(b.data) ? b.data : []).forEach((l) => {
          const line = el("span", "tpl-line");
          if (l.label) line.appendChild(el("span", "tpl-label", l.label + ": "));
          const v = el("span", "tpl-value", l.value || "");
          if (/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(l.color || "")) v.style.color = l.color;
          line.appendChild(v);
          c.appendChild(line);
        });
        const href = safeHref(b.url);
        if (href) {
          const a = el("a", "read-more", tr("View details"));
          a.href = href; a.rel = "noopener noreferrer"; a.dataset.testid = "template-link";
          c.appendChild(a);
        }
        bubble.appendChild(c);
        break;
      }
      default:
        if (b.url) bubble.appendChild(card(safeHref(b.url), b.title || "[" + m.kind + "]", b.description));
        else bubble.appendChild(el("p", "text", b.title || b.text || "[" + m.kind + "]"));
    }
    // The sender's avatar, as the server draws it: the account's on its
    // messages, the follower's own on theirs; notices have none.
    if (m.kind !== "notice") {
      const mine = m.direction === "in";
      const src = mine ? ol.dataset.meAvatar : ol.dataset.accountAvatar;
      const av = el("span", "avatar msg-avatar");
      av.setAttribute("aria-hidden", "true");
      av.dataset.testid = "msg-avatar";
      if (src) {
        const img = el("img");
        img.src = src; img.alt = "";
        av.appendChild(img);
      } else {
        av.textContent = ((mine ? ol.dataset.meName : ol.dataset.accountName) || "?").trim().charAt(0).toUpperCase() || "?";
      }
      li.appendChild(av);
    }
    const body = el("div", "msg-body");
    body.appendChild(bubble);
    // The same <time> the server writes, formatted by time.js.
    const t = el("time", "msg-time", m.created_at);
    t.setAttribute("datetime", m.created_at);
    t.dataset.fmt = "msg";
    if (window.heraldTime) window.heraldTime.render(t);
    body.appendChild(t);
    li.appendChild(body);
    const wasAtBottom = atBottom();
    ol.appendChild(li);
    arrived(m.direction === "in" || wasAtBottom);
  }

  // ---- Keeping the newest message in view ---------------------------------
  // The conversation stays pinned to its newest message (just above the
  // composer) on opening, on sending and as messages arrive, unless the
  // reader has scrolled up to read older ones: then a "new messages" pill
  // offers the way down.
  const pill = document.querySelector("[data-new-pill]");
  let pinned = true;
  function atBottom() {
    return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 48;
  }
  function pin() {
    window.scrollTo(0, document.documentElement.scrollHeight);
    pinned = true;
    if (pill) pill.hidden = true;
  }
  // arrived keeps a new message in view when it is the reader's own or
  // they were at the newest message (measured before it was added).
  function arrived(follow) {
    if (follow) pin();
    else {
      pinned = false;
      if (pill) pill.hidden = false;
    }
  }

  if (!chat) return;

  // ---- Conversation -------------------------------------------------------
  tplColors(chat);
  if (!location.hash.includes("compose")) {
    pin();
    // Images and fonts that load later make the conversation taller: stay
    // at the newest message while the reader has not scrolled away.
    if (window.ResizeObserver) new ResizeObserver(() => { if (pinned) pin(); }).observe(chat);
    window.addEventListener("load", () => { if (pinned) pin(); });
  } else {
    pinned = false;
  }
  window.addEventListener("scroll", () => {
    pinned = atBottom();
    if (pinned && pill) pill.hidden = true;
  }, { passive: true });
  if (pill) pill.addEventListener("click", pin);

  // Composer tabs switch without a reload.
  document.querySelectorAll(".compose-tabs [data-tab]").forEach((tab) => {
    tab.addEventListener("click", (e) => {
      e.preventDefault();
      document.querySelectorAll(".compose-tabs [data-tab]").forEach((t) => t.removeAttribute("aria-current"));
      tab.setAttribute("aria-current", "true");
      document.querySelectorAll("[data-pane]").forEach((p) => { p.hidden = p.dataset.pane !== tab.dataset.tab; });
    });
  });

  // The menu bar and the keyboard take turns, as in WeChat: the keyboard
  // button beside the menu shows the composer (and focuses it), the menu
  // button beside the composer brings the menu back. Without the script
  // the two are links to the page in either state.
  document.querySelectorAll("[data-switch]").forEach((sw) => {
    sw.addEventListener("click", (e) => {
      e.preventDefault();
      const to = sw.dataset.switch;
      document.querySelectorAll("[data-input]").forEach((p) => { p.hidden = p.dataset.input !== to; });
      document.querySelectorAll(".menu-group[open]").forEach((o) => { o.open = false; });
      if (to === "keyboard") {
        document.querySelectorAll("[data-pane]").forEach((p) => { p.hidden = p.dataset.pane !== "text"; });
        document.querySelectorAll(".compose-tabs [data-tab]").forEach((t) => {
          if (t.dataset.tab === "text") t.setAttribute("aria-current", "true"); else t.removeAttribute("aria-current");
        });
        document.querySelector("form[data-pane=text] textarea")?.focus();
      } else {
        document.querySelector("[data-switch=keyboard]")?.focus();
      }
      if (pinned) pin();
    });
  });

  // Text and menu clicks are sent in the background.
  const textForm = document.querySelector("form[data-pane=text]");
  if (textForm) {
    const area = textForm.querySelector("textarea");
    const err = textForm.querySelector("[data-error]");
    area.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); textForm.requestSubmit(); }
    });
    textForm.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!area.value.trim()) return;
      const btn = textForm.querySelector("button[type=submit]");
      btn.disabled = true;
      post(textForm.action, new URLSearchParams(new FormData(textForm)))
        .then((m) => { area.value = ""; err.textContent = ""; if (m) addMessage(m); })
        .catch((msg) => { err.textContent = msg; })
        .finally(() => { btn.disabled = false; area.focus(); });
    });
  }
  document.querySelectorAll("form.menu-click").forEach((f) => {
    f.addEventListener("submit", (e) => {
      e.preventDefault();
      f.closest("details")?.removeAttribute("open");
      post(f.action, new URLSearchParams(new FormData(f))).catch(() => f.submit());
    });
  });
  // Close an open menu group when another opens.
  document.querySelectorAll(".menu-group").forEach((d) => {
    d.addEventListener("toggle", () => {
      if (d.open) document.querySelectorAll(".menu-group[open]").forEach((o) => { if (o !== d) o.open = false; });
    });
  });

  function post(url, body) {
    return fetch(url, { method: "POST", body, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => {
        if (r.status === 204) return null;
        return r.json().then((j) => r.ok ? j : Promise.reject(j.error || j.message || tr("Could not send. Try again.")),
          () => Promise.reject(tr("Could not send. Try again.")));
      });
  }

  // sendFiles posts a composer's form data in the background and shows
  // the message; a refusal is shown next to the composer.
  function sendFiles(form, data, btn) {
    const err = form.querySelector("[data-error]");
    if (btn) btn.disabled = true;
    return post(form.action, data)
      .then((m) => { err.textContent = ""; form.reset(); if (m) addMessage(m); })
      .catch((msg) => { err.textContent = msg; })
      .finally(() => { if (btn) btn.disabled = false; });
  }

  // Voice: recorded in the page (MediaRecorder) and sent when the
  // follower stops, as the browser records it (WebM or Ogg with Opus).
  // Without a recorder the form takes a recorded file.
  const voiceForm = document.querySelector("form[data-pane=voice]");
  const recorder = voiceForm?.querySelector("[data-recorder]");
  // Only Opus in WebM or Ogg is offered (Chromium, Firefox); a browser that
  // records something else (Safari: AAC in MP4) keeps the file input.
  const voiceType = window.MediaRecorder && ["audio/webm;codecs=opus", "audio/ogg;codecs=opus"].find((t) => MediaRecorder.isTypeSupported(t));
  if (recorder && voiceType && navigator.mediaDevices?.getUserMedia) {
    recorder.hidden = false;
    voiceForm.querySelectorAll("[data-voice-file]").forEach((n) => { n.hidden = true; });
    voiceForm.elements.voice.required = false;
    const btn = recorder.querySelector("[data-record]");
    const status = recorder.querySelector("[data-record-status]");
    const idle = status.textContent;
    let rec = null, timer = 0, started = 0;
    const stop = () => { if (rec && rec.state !== "inactive") rec.stop(); };
    btn.addEventListener("click", () => {
      if (rec) { stop(); return; }
      navigator.mediaDevices.getUserMedia({ audio: true }).then((stream) => {
        const chunks = [];
        rec = new MediaRecorder(stream, { mimeType: voiceType });
        rec.addEventListener("dataavailable", (e) => { if (e.data.size) chunks.push(e.data); });
        rec.addEventListener("stop", () => {
          clearInterval(timer);
          stream.getTracks().forEach((t) => t.stop());
          const type = (rec.mimeType || voiceType).split(";")[0];
          rec = null;
          btn.textContent = tr("Record"); btn.setAttribute("aria-pressed", "false");
          status.textContent = idle;
          if (!chunks.length) return;
          const data = new FormData();
          data.append("kind", "voice");
          data.append("voice", new Blob(chunks, { type }), "voice." + (type.includes("ogg") ? "ogg" : "webm"));
          sendFiles(voiceForm, data, btn);
        });
        rec.start(250);
        started = Date.now();
        btn.textContent = tr("Stop and send"); btn.setAttribute("aria-pressed", "true");
        status.textContent = tr("Recording… %d s").replace("%d", "0");
        timer = setInterval(() => {
          const s = Math.floor((Date.now() - started) / 1000);
          status.textContent = tr("Recording… %d s").replace("%d", String(s));
          if (s >= 60) stop();
        }, 250);
      }, () => { status.textContent = tr("The microphone is not available. Choose a recorded file instead."); recorder.hidden = true;
        voiceForm.querySelectorAll("[data-voice-file]").forEach((n) => { n.hidden = false; });
        voiceForm.elements.voice.required = true; });
    });
  }

  // Video: the page takes a cover from the chosen video (its first
  // frame, as a small JPEG) and sends both.
  const videoForm = document.querySelector("form[data-pane=video]");
  if (videoForm) {
    videoForm.addEventListener("submit", (e) => {
      const file = videoForm.elements.video.files[0];
      if (!file) return;
      e.preventDefault();
      const btn = videoForm.querySelector("button[type=submit]");
      btn.disabled = true;
      cover(file).then((thumb) => {
        const data = new FormData(videoForm);
        if (thumb) data.append("thumb", thumb, "cover.jpg");
        return sendFiles(videoForm, data, btn);
      });
    });
  }

  // cover resolves to a JPEG of a video file's first frame, at most 320 px
  // wide and 64 KB (the push's thumbnail limit), or null.
  function cover(file) {
    return new Promise((resolve) => {
      const v = document.createElement("video");
      const url = URL.createObjectURL(file);
      const done = (b) => { URL.revokeObjectURL(url); resolve(b); };
      v.muted = true; v.preload = "auto";
      v.addEventListener("error", () => done(null));
      v.addEventListener("loadeddata", () => {
        const scale = Math.min(1, 320 / (v.videoWidth || 320));
        const c = document.createElement("canvas");
        c.width = Math.max(1, Math.round((v.videoWidth || 320) * scale));
        c.height = Math.max(1, Math.round((v.videoHeight || 180) * scale));
        try { c.getContext("2d").drawImage(v, 0, 0, c.width, c.height); } catch (_) { done(null); return; }
        c.toBlob((b) => done(b && b.size <= 64 * 1024 ? b : null), "image/jpeg", 0.7);
      });
      setTimeout(() => done(null), 5000);
      v.src = url;
    });
  }

  // "Use my location" fills the coordinates in.
  const geo = document.querySelector("[data-geolocate]");
  if (geo && navigator.geolocation) {
    geo.hidden = false;
    geo.addEventListener("click", () => {
      geo.disabled = true;
      navigator.geolocation.getCurrentPosition((pos) => {
        const f = geo.closest("form");
        f.elements.lat.value = pos.coords.latitude.toFixed(6);
        f.elements.lng.value = pos.coords.longitude.toFixed(6);
        geo.disabled = false;
      }, () => { geo.disabled = false; geo.textContent = tr("Location unavailable"); }, { timeout: 10000 });
    });
  }
})();

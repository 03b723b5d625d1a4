// Herald: one time format everywhere, in the viewer's own time zone.
// The server writes <time datetime="RFC 3339" data-fmt="…"> with a UTC
// fallback; this rewrites the text with Intl.DateTimeFormat in the
// browser's zone, for server-rendered elements and for every one added
// later (live messages, swapped-in lists), so both always read the same.
// Formats: "msg" (today: 14:09; this year: Dec 5, 14:09; else with the
// year), "datetime" (Dec 5, 2026, 14:09), "date" (Dec 5, 2026).
"use strict";
(function () {
  const lang = document.documentElement.lang || undefined;
  const hm = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  const f = {
    time: new Intl.DateTimeFormat(lang, hm),
    day: new Intl.DateTimeFormat(lang, { month: "short", day: "numeric", ...hm }),
    full: new Intl.DateTimeFormat(lang, { year: "numeric", month: "short", day: "numeric", ...hm }),
    date: new Intl.DateTimeFormat(lang, { year: "numeric", month: "short", day: "numeric" }),
    title: new Intl.DateTimeFormat(lang, { dateStyle: "full", timeStyle: "short", hourCycle: "h23" }),
  };
  const zone = new Intl.DateTimeFormat().resolvedOptions().timeZone || "";

  // text returns how a moment reads in format fmt, now being the moment
  // the page is looking from.
  function text(d, fmt, now) {
    now = now || new Date();
    switch (fmt) {
      case "date": return f.date.format(d);
      case "msg":
        if (d.toDateString() === now.toDateString()) return f.time.format(d);
        if (d.getFullYear() === now.getFullYear()) return f.day.format(d);
        return f.full.format(d);
      default: return f.full.format(d);
    }
  }

  // render rewrites one <time data-fmt> element from its datetime.
  function render(el) {
    const d = new Date(el.getAttribute("datetime"));
    if (isNaN(d)) return;
    el.textContent = text(d, el.dataset.fmt);
    el.title = f.title.format(d) + (zone ? " (" + zone + ")" : "");
    el.dataset.local = "1";
  }

  // element makes a new <time> for an ISO date (for script-built content).
  function element(iso, fmt, cls) {
    const t = document.createElement("time");
    if (cls) t.className = cls;
    t.setAttribute("datetime", iso);
    t.dataset.fmt = fmt || "datetime";
    t.textContent = iso;
    render(t);
    return t;
  }

  function renderAll(root) {
    if (root.matches && root.matches("time[data-fmt]")) render(root);
    if (root.querySelectorAll) root.querySelectorAll("time[data-fmt]").forEach(render);
  }

  window.heraldTime = { text, render, element, renderAll };
  const start = () => {
    renderAll(document);
    // Whatever is added later — a live message, a refreshed list — is
    // rewritten the same way.
    new MutationObserver((records) => records.forEach((r) => r.addedNodes.forEach((n) => {
      if (n.nodeType === 1) renderAll(n);
    }))).observe(document.body, { childList: true, subtree: true });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

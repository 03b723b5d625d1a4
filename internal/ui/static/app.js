// Herald: small progressive enhancements. Every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Ask before destructive actions: <form data-confirm="Really?">.
  document.querySelectorAll("form[data-confirm]").forEach((f) => {
    f.addEventListener("submit", (e) => {
      if (!window.confirm(f.dataset.confirm)) e.preventDefault();
    });
  });
  // A back arrow goes back in the history when the page was opened from
  // Herald; its link (the chat list, the account) serves the rest.
  document.querySelectorAll("a[data-back]").forEach((a) => {
    a.addEventListener("click", (e) => {
      let fromHere = false;
      try { fromHere = new URL(document.referrer).origin === location.origin; } catch (_) { /* no referrer */ }
      if (fromHere && history.length > 1) { e.preventDefault(); history.back(); }
    });
  });
  // Signing out stops this browser's notifications: the push subscription
  // is dropped in the browser and its endpoint sent with the form, so the
  // server forgets it too. Sign-out goes ahead whatever happens, within a
  // second and a half at most (no service worker, no push, a hung promise).
  document.querySelectorAll("form[data-signout]").forEach((f) => {
    let going = false;
    f.addEventListener("submit", (e) => {
      if (going || !navigator.serviceWorker || !navigator.serviceWorker.getRegistration) return;
      e.preventDefault();
      going = true;
      const submit = () => { HTMLFormElement.prototype.submit.call(f); };
      const field = f.querySelector("input[name=push_endpoint]");
      const drop = navigator.serviceWorker.getRegistration("/")
        .then((reg) => (reg && reg.pushManager ? reg.pushManager.getSubscription() : null))
        .then((sub) => {
          if (!sub) return;
          if (field) field.value = sub.endpoint;
          return sub.unsubscribe();
        });
      const late = new Promise((resolve) => setTimeout(resolve, 1500));
      Promise.race([drop, late]).catch(() => {}).then(submit);
    });
  });
  // Let a flash message fade after a while.
  const flash = document.querySelector(".flash");
  if (flash) setTimeout(() => flash.classList.add("fade"), 6000);
});

// Publishing: the editor's live Markdown preview and image
// upload, live mass-send progress, copying an article's share link.
document.addEventListener("DOMContentLoaded", () => {
  const editor = document.querySelector("form.editor[data-render]");
  if (editor) {
    const render = (ta) => {
      const out = document.getElementById(ta.dataset.mdPreview);
      if (!out) return;
      const block = ta.closest("fieldset");
      const fmt = block && block.querySelector("[data-format]");
      const body = new URLSearchParams({ body: ta.value, format: fmt ? fmt.value : "markdown" });
      fetch(editor.dataset.render, { method: "POST", body, credentials: "same-origin" })
        .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
        .then((html) => { out.innerHTML = html; }) // sanitised by the server
        .catch(() => {});
    };
    editor.querySelectorAll("textarea[data-md-preview]").forEach((ta) => {
      let timer;
      ta.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => render(ta), 300); });
      if (ta.value.trim() !== "") render(ta);
    });
    editor.querySelectorAll("[data-format]").forEach((sel) => sel.addEventListener("change", () => {
      const ta = sel.closest("fieldset").querySelector("textarea[data-md-preview]");
      if (ta) render(ta);
    }));
    // Linked web apps: insert a Markdown link to /w/{appid}, which the
    // reader shows as a card.
    editor.querySelectorAll("button[data-webapp-into]").forEach((btn) => {
      btn.hidden = false;
      btn.addEventListener("click", () => {
        const opt = btn.closest(".webapp-insert").querySelector("select[data-webapp-pick]").selectedOptions[0];
        const ta = editor.querySelector(`textarea[name="${btn.dataset.webappInto}"]`);
        if (!opt || !ta) return;
        const name = opt.dataset.name.replace(/[\\\[\]]/g, "\\$&");
        const md = `[Open ${name}](/w/${opt.value}?from=article)`;
        const at = ta.selectionStart || ta.value.length;
        ta.value = ta.value.slice(0, at) + "\n" + md + "\n" + ta.value.slice(at);
        ta.dispatchEvent(new Event("input"));
      });
    });
    editor.querySelectorAll("input[data-upload-into]").forEach((input) => {
      input.closest("label").hidden = false;
      input.addEventListener("change", () => {
        if (!input.files.length) return;
        const fd = new FormData();
        fd.append("kind", "image");
        fd.append("file", input.files[0]);
        fetch(editor.dataset.upload, { method: "POST", body: fd, headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then((r) => r.json())
          .then((res) => {
            if (res.error) { window.alert(res.error); return; }
            const ta = editor.querySelector(`textarea[name="${input.dataset.uploadInto}"]`);
            const at = ta.selectionStart || ta.value.length;
            ta.value = ta.value.slice(0, at) + "\n" + res.markdown + "\n" + ta.value.slice(at);
            ta.dispatchEvent(new Event("input"));
            input.value = "";
          })
          .catch(() => window.alert(input.dataset.failed || "The upload failed."));
      });
    });
  }
  // Live progress of running sends.
  document.querySelectorAll("tr[data-job-live]").forEach((row) => {
    const poll = () => {
      fetch(row.dataset.jobLive, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((r) => r.json())
        .then((j) => {
          const bar = row.querySelector("progress");
          if (bar) { bar.value = j.percent; bar.textContent = j.percent + "%"; }
          const st = row.querySelector("[data-testid=job-state]");
          if (st) st.textContent = j.state_label || j.state;
          const rep = row.querySelector("[data-testid=job-report]");
          if (rep) rep.textContent = j.report;
          const capped = row.querySelector("[data-testid=job-capped]");
          if (capped && j.capped_count > 0) {
            capped.hidden = false;
            capped.lastChild.textContent = j.capped_text;
          }
          if (!j.finished) setTimeout(poll, 1000);
        })
        .catch(() => setTimeout(poll, 5000));
    };
    setTimeout(poll, 500);
  });
  // Copy an article's share link.
  document.querySelectorAll("button.copy-link[data-copy]").forEach((b) => {
    if (!navigator.clipboard) return;
    b.hidden = false;
    b.addEventListener("click", () => navigator.clipboard.writeText(b.dataset.copy).then(() => { b.textContent = b.dataset.copied || "Copied"; }));
  });
});

// ---- Messaging and automation: auto-reply and menu editors,
// live inbox. Without JavaScript every field shows and pages reload. ----
(() => {
  const showFor = (root, attr, value) => {
    root.querySelectorAll("[" + attr + "]").forEach((el) => {
      el.hidden = !el.getAttribute(attr).split(" ").includes(value);
    });
  };
  const wire = (selectSel, containerSel, attr) => {
    document.querySelectorAll(selectSel).forEach((sel) => {
      const root = sel.closest(containerSel);
      if (!root) return;
      const update = () => showFor(root, attr, sel.value);
      sel.addEventListener("change", update);
      update();
    });
  };
  const start = () => {
    wire("select[data-reply-type-select]", "[data-reply-slot], form", "data-reply-type");
    // Menu slots: fields by button type; only the slot's own fields.
    document.querySelectorAll("select[data-menu-type]").forEach((sel) => {
      const slot = sel.closest("[data-menu-slot]");
      if (!slot) return;
      const fields = slot.querySelector(".menu-slot-fields");
      const update = () => {
        fields.querySelectorAll("[data-menu-field]").forEach((el) => {
          el.hidden = !el.dataset.menuField.split(" ").includes(sel.value);
        });
        const subs = slot.parentElement.querySelector(":scope > details.menu-subs");
        if (subs) subs.hidden = sel.value !== "sub";
      };
      sel.addEventListener("change", update);
      update();
    });
    // Live inbox: refresh the parts marked data-live when the account's
    // events arrive (new messages, takes, transfers, notes).
    const live = document.querySelector("[data-inbox-live]");
    if (!live || !window.EventSource) return;
    let timer = null;
    const refresh = () => {
      timer = null;
      const href = location.href;
      fetch(href, { headers: { Accept: "text/html" }, credentials: "same-origin" })
        .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
        .then((text) => {
          // A conversation chosen in the pane meanwhile (or still loading)
          // is newer than this answer for the old address: ask again
          // rather than put the old conversation back.
          if (location.href !== href || live.hasAttribute("aria-busy")) { onEvent(); return; }
          const doc = new DOMParser().parseFromString(text, "text/html");
          document.querySelectorAll("[data-live]").forEach((el) => {
            const fresh = doc.querySelector('[data-live="' + el.dataset.live + '"]');
            if (fresh) el.innerHTML = fresh.innerHTML;
          });
          const thread = document.querySelector('[data-live="thread"]');
          if (thread) thread.scrollTop = thread.scrollHeight;
          live.dispatchEvent(new CustomEvent("inbox:refreshed", { bubbles: true }));
        })
        .catch(() => {});
    };
    // Every event refreshes: a conversation's page shows the queue too.
    const onEvent = () => {
      if (!timer) timer = setTimeout(refresh, 150);
    };
    const es = new EventSource(live.dataset.inboxLive);
    ["message", "inbox", "note", "resync"].forEach((t) => es.addEventListener(t, onEvent));
    es.addEventListener("ready", () => live.setAttribute("data-live-ready", "1"));
    const thread = document.querySelector('[data-live="thread"]');
    if (thread) thread.scrollTop = thread.scrollHeight;
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

// ---- Analytics: on the reading page /s/{id}, report the end
// of the article reached, links followed and the share link copied. Reads
// themselves are counted on the server. Nothing is sent for previews. ----
(() => {
  const m = /^\/s\/(\d+)$/.exec(location.pathname);
  if (!m || new URLSearchParams(location.search).has("k")) return;
  const start = () => {
    const art = document.querySelector("article.reader");
    if (!art) return;
    const send = (what, where) => {
      const body = new URLSearchParams({ what: what, where: where || "" });
      const url = "/analytics/article/" + m[1];
      if (navigator.sendBeacon && navigator.sendBeacon(url, body)) return;
      fetch(url, { method: "POST", body: body, keepalive: true, credentials: "same-origin" }).catch(() => {});
    };
    const body = art.querySelector(".reader-body");
    if (body && "IntersectionObserver" in window) {
      const end = document.createElement("span");
      end.setAttribute("aria-hidden", "true");
      body.after(end);
      const io = new IntersectionObserver((entries) => {
        if (!entries.some((e) => e.isIntersecting)) return;
        io.disconnect();
        send("complete");
      });
      io.observe(end);
    }
    art.addEventListener("click", (e) => {
      const a = e.target.closest && e.target.closest("a[href]");
      if (!a) return;
      let u;
      try { u = new URL(a.href, location.href); } catch (err) { return; }
      if (u.origin === location.origin) return;
      send("link", a.closest(".reader-body") ? "body" : "source");
    });
    let shared = false;
    const share = () => { if (!shared) { shared = true; send("share"); } };
    art.querySelectorAll("button.copy-link").forEach((b) => b.addEventListener("click", share));
    art.querySelectorAll("input.share-url").forEach((i) => i.addEventListener("copy", share));
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

// ---- Console: the account's navigation folds behind its Menu button on
// phones (below 960 px); Escape closes it and gives the focus back to the
// button. Without this file the navigation simply stays open. ----
document.addEventListener("DOMContentLoaded", () => {
  const nav = document.querySelector("nav.accountnav");
  const btn = nav && nav.querySelector(".navtoggle");
  if (!btn) return;
  const set = (open) => {
    nav.classList.toggle("collapsed", !open);
    btn.setAttribute("aria-expanded", String(open));
  };
  btn.hidden = false;
  set(false);
  btn.addEventListener("click", () => set(nav.classList.contains("collapsed")));
  nav.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !nav.classList.contains("collapsed") && getComputedStyle(btn).display !== "none") {
      set(false);
      btn.focus();
    }
  });
});

// ---- Console: the two-pane inbox. On a wide screen (the panes side by
// side) choosing a row of the queue loads its conversation into the right
// pane without leaving the page, with its own address in the history; the
// queue comes back with it, so the row just read is no longer unread. On a
// phone, and without this file, the row's link opens the conversation's
// page. ----
(() => {
  const start = () => {
    const live = document.querySelector(".inbox-panes[data-inbox-live]");
    if (!live || !window.fetch || !window.DOMParser) return;
    const twoPanes = () => getComputedStyle(live).display === "grid";
    const replyTypes = () => live.querySelectorAll("select[data-reply-type-select]").forEach((sel) => {
      sel.closest("form").querySelectorAll("[data-reply-type]").forEach((el) => {
        el.hidden = !el.dataset.replyType.split(" ").includes(sel.value);
      });
    });
    live.addEventListener("change", (e) => {
      if (e.target.matches("select[data-reply-type-select]")) replyTypes();
    });
    let loading = 0;
    const load = (href, push) => {
      const n = ++loading;
      live.setAttribute("aria-busy", "true");
      fetch(href, { headers: { Accept: "text/html" }, credentials: "same-origin" })
        .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
        .then((text) => {
          if (n !== loading) return;
          const doc = new DOMParser().parseFromString(text, "text/html");
          const fresh = doc.querySelector(".inbox-panes[data-inbox-live]");
          if (!fresh) { location.href = href; return; }
          live.innerHTML = fresh.innerHTML;
          live.className = fresh.className;
          live.dataset.person = fresh.dataset.person || "";
          document.title = doc.title;
          if (push) history.pushState({ inboxPane: true }, "", href);
          replyTypes();
          const thread = live.querySelector('[data-live="thread"]');
          if (thread) thread.scrollTop = thread.scrollHeight;
          const heading = live.querySelector(".inbox-pane h1");
          if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
          live.dispatchEvent(new CustomEvent("inbox:pane", { bubbles: true }));
        })
        .catch(() => { location.href = href; })
        .finally(() => { if (n === loading) live.removeAttribute("aria-busy"); });
    };
    live.addEventListener("click", (e) => {
      const a = e.target.closest("a[data-pane-link]");
      if (!a || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey || !twoPanes()) return;
      e.preventDefault();
      load(a.href, true);
    });
    window.addEventListener("popstate", () => {
      if (/\/inbox(\/\d+)?$/.test(location.pathname)) load(location.href, false);
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

// ---- Forms shown again with errors: the summary over the form links each
// message to its field. The field named by a link gets the id the link
// points to (or the link takes the field's own id), is marked invalid and
// described by its message; the summary takes the focus, so that a screen
// reader reads it first. A message whose field the page does not show
// stays as text. ----
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector(".error-summary");
  if (!summary) return;
  summary.querySelectorAll("a[data-field]").forEach((a, i) => {
    const name = a.dataset.field;
    const field = [...document.querySelectorAll("main [name]")].find((el) => el.name === name && el.type !== "hidden")
      || document.querySelector(`main [data-field="${CSS.escape(name)}"]`);
    if (!field || field.closest(".error-summary")) {
      const span = document.createElement("span");
      span.textContent = a.textContent;
      a.replaceWith(span);
      return;
    }
    if (!field.id) field.id = "field-" + name.replace(/[^A-Za-z0-9_-]/g, "-") + "-" + i;
    a.href = "#" + field.id;
    field.setAttribute("aria-invalid", "true");
    const msg = field.closest("label, div, fieldset") && field.closest("label, div, fieldset").querySelector(".field-error");
    if (msg) {
      if (!msg.id) msg.id = field.id + "-error";
      field.setAttribute("aria-describedby", msg.id);
    }
    a.addEventListener("click", (e) => {
      e.preventDefault();
      field.scrollIntoView({ block: "center" });
      field.focus();
    });
  });
  summary.focus();
});

// Herald console: the rich-text article editor. An article whose body
// format is "Rich text" (stored as HTML) is edited in place with a small
// toolbar; the textarea underneath stays what is submitted and gets the
// edited HTML on every change. Pasted HTML goes through the server's
// sanitiser (the one that renders articles) before it is inserted, and
// pasted or chosen images are uploaded into the media library first.
// Without this script the textarea shows and takes Markdown or HTML.
"use strict";
(() => {
  const start = () => {
    const form = document.querySelector("form.editor[data-render]");
    if (!form) return;
    // The editor's texts in the page's language, from the JSON block the
    // page renders (keys are the English texts).
    const texts = (() => {
      try { return JSON.parse(document.getElementById("editor-texts").textContent); } catch (e) { return {}; }
    })();
    const T = (s) => texts[s] || s;
    const sanitise = (html) => {
      const body = new URLSearchParams({ body: html, format: "html" });
      return fetch(form.dataset.render, { method: "POST", body, credentials: "same-origin" })
        .then((r) => (r.ok ? r.text() : Promise.reject(new Error("render " + r.status))));
    };
    const upload = (file) => {
      const fd = new FormData();
      fd.append("kind", "image");
      fd.append("file", file);
      return fetch(form.dataset.upload, { method: "POST", body: fd, headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((r) => r.json())
        .then((res) => (res.error ? Promise.reject(new Error(res.error)) : res));
    };
    const escapeAttr = (s) => String(s).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

    form.querySelectorAll("textarea[data-md-preview]").forEach((ta) => {
      const block = ta.closest("fieldset");
      const fmt = block && block.querySelector("[data-format]");
      if (!fmt) return;
      const taLabel = ta.closest("label");
      const mdUpload = block.querySelector(".upload-inline");

      const wrap = document.createElement("div");
      wrap.className = "rich";
      wrap.hidden = true;
      const bar = document.createElement("div");
      bar.className = "rich-toolbar";
      bar.setAttribute("role", "toolbar");
      bar.setAttribute("aria-label", T("Formatting"));
      const area = document.createElement("div");
      area.className = "rich-area reader-body";
      area.contentEditable = "true";
      area.setAttribute("role", "textbox");
      area.setAttribute("aria-multiline", "true");
      area.setAttribute("aria-label", T("Body"));
      area.dataset.testid = ta.dataset.testid ? ta.dataset.testid.replace("body", "rich") : "rich";
      const picker = document.createElement("input");
      picker.type = "file";
      picker.accept = "image/*";
      picker.hidden = true;
      picker.dataset.testid = area.dataset.testid + "-image";
      const status = document.createElement("p");
      status.className = "rich-status";
      status.setAttribute("role", "status");
      wrap.append(bar, area, picker, status);
      taLabel.after(wrap);

      document.execCommand("defaultParagraphSeparator", false, "p");
      const sync = () => {
        ta.value = area.innerHTML;
        ta.dispatchEvent(new Event("input", { bubbles: true })); // the live preview
      };
      let saved = null; // the selection while a dialog or upload runs
      const keep = () => {
        const sel = window.getSelection();
        if (sel.rangeCount && area.contains(sel.anchorNode)) saved = sel.getRangeAt(0).cloneRange();
      };
      const restore = () => {
        const cur = window.getSelection();
        if (cur.rangeCount && area.contains(cur.anchorNode)) return; // still in the editor
        area.focus();
        if (!saved) return;
        const sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(saved);
      };
      const exec = (cmd, arg) => {
        restore();
        document.execCommand("styleWithCSS", false, false);
        document.execCommand(cmd, false, arg);
        keep();
        sync();
      };
      const insertHTML = (html) => exec("insertHTML", html);
      const insertImages = (files) => {
        const list = Array.from(files).filter((f) => f.type.startsWith("image/"));
        if (!list.length) return false;
        status.textContent = T("Uploading to the media library…");
        list.reduce((p, f) => p.then(() => upload(f).then((res) => {
          insertHTML(`<p><img src="${escapeAttr(res.url)}" alt="${escapeAttr(f.name)}"></p>`);
        })), Promise.resolve())
          .then(() => { status.textContent = ""; })
          .catch((err) => { status.textContent = T("The image was not added:") + " " + err.message; });
        return true;
      };

      const tools = [
        ["B", T("Bold"), () => exec("bold"), "rich-b"],
        ["I", T("Italic"), () => exec("italic"), "rich-i"],
        ["H2", T("Heading"), () => exec("formatBlock", "<h2>")],
        ["H3", T("Subheading"), () => exec("formatBlock", "<h3>")],
        ["¶", T("Paragraph"), () => exec("formatBlock", "<p>")],
        ["• " + T("List"), T("Bulleted list"), () => exec("insertUnorderedList")],
        ["1. " + T("List"), T("Numbered list"), () => exec("insertOrderedList")],
        ["“ " + T("Quote"), T("Quote"), () => exec("formatBlock", "<blockquote>")],
        [T("Link"), T("Link"), () => {
          const url = window.prompt(T("Link address (https://…)"), "https://");
          if (!url) { restore(); return; }
          if (!/^(https?:\/\/|mailto:)/i.test(url.trim())) { status.textContent = T("A link starts with https://, http:// or mailto:."); restore(); return; }
          status.textContent = "";
          exec("createLink", url.trim());
        }],
        [T("Image"), T("Image from your device, added to the media library"), () => { keep(); picker.click(); }],
      ];
      tools.forEach(([label, title, fn, cls]) => {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = label;
        b.title = title;
        b.setAttribute("aria-label", title);
        if (cls) b.classList.add(cls);
        // Keep the text selection: the toolbar does not take the focus on click.
        b.addEventListener("mousedown", (e) => e.preventDefault());
        b.addEventListener("click", fn);
        bar.append(b);
      });

      area.addEventListener("input", sync);
      document.addEventListener("selectionchange", keep);
      picker.addEventListener("change", () => {
        if (picker.files.length) insertImages(picker.files);
        picker.value = "";
      });
      area.addEventListener("paste", (e) => {
        const dt = e.clipboardData;
        if (!dt) return;
        e.preventDefault();
        keep();
        if (dt.files && dt.files.length && insertImages(dt.files)) return;
        const html = dt.getData("text/html");
        if (html) {
          sanitise(html).then((clean) => insertHTML(clean)).catch(() => { status.textContent = T("The pasted text could not be cleaned."); });
          return;
        }
        const text = dt.getData("text/plain");
        if (text) exec("insertText", text);
      });
      area.addEventListener("drop", (e) => {
        if (e.dataTransfer && e.dataTransfer.files.length) {
          e.preventDefault();
          insertImages(e.dataTransfer.files);
        }
      });

      let loads = 0;
      const show = (load) => {
        const rich = fmt.value === "html";
        wrap.hidden = !rich;
        taLabel.hidden = rich;
        if (mdUpload) mdUpload.classList.toggle("rich-off", rich);
        if (!rich || !load) return;
        // What the textarea holds, cleaned by the server (Markdown turned
        // into HTML when switching from Markdown).
        const from = ta.dataset.richFrom || "html";
        const body = new URLSearchParams({ body: ta.value, format: from });
        // Typing is held off until the body arrives, so the loaded body
        // cannot overwrite what was typed meanwhile.
        // Only the latest load counts: an earlier one finishing late must
        // neither unlock the area early nor overwrite the newer body.
        const n = ++loads;
        area.contentEditable = "false";
        area.setAttribute("aria-busy", "true");
        const ready = () => { if (n === loads) { area.contentEditable = "true"; area.removeAttribute("aria-busy"); } };
        fetch(form.dataset.render, { method: "POST", body, credentials: "same-origin" })
          .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
          .then((html) => { if (n === loads) { area.innerHTML = html; ta.value = html; } })
          .catch(() => { if (n === loads) status.textContent = T("The body could not be loaded into the editor."); })
          .finally(ready);
      };
      let last = fmt.value;
      fmt.addEventListener("change", () => {
        ta.dataset.richFrom = last;
        last = fmt.value;
        show(true);
      });
      form.addEventListener("submit", () => { if (fmt.value === "html") ta.value = area.innerHTML; });
      show(true);
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

// The data page: exports in progress update their bar from the server
// until they finish, then show their download link.
(() => {
  // The page writes the texts in its language (data-texts: English key to
  // text, verbs left in); tr fills a text's %s and %d in order.
  const textsOf = (el) => {
    const box = el.closest("[data-texts]");
    try {
      return box ? JSON.parse(box.dataset.texts) : {};
    } catch {
      return {};
    }
  };
  const tr = (texts, key, ...args) => {
    let i = 0;
    return (texts[key] || key).replace(/%[sd]/g, () => String(args[i++]));
  };
  document.querySelectorAll("[data-export-live]").forEach((row) => {
    const texts = textsOf(row);
    const bar = row.querySelector("progress");
    const state = row.querySelector("[data-testid=export-state]");
    const step = row.querySelector("[data-testid=export-step]");
    const poll = () => {
      fetch(row.dataset.exportLive, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((r) => r.json())
        .then((j) => {
          bar.value = j.percent;
          bar.textContent = j.percent + "%";
          state.textContent = tr(texts, j.state);
          state.className = "badge " + (j.state === "done" ? "ok" : j.state === "failed" ? "bad" : "warn");
          if (j.finished) {
            step.textContent = j.error || "";
            if (j.state === "done") row.querySelector("[data-testid=export-download-live]").hidden = false;
            return;
          }
          step.textContent = j.file ? tr(texts, "%s (%d of %d rows)", j.file, j.rows, j.total) : tr(texts, "waiting for a node");
          setTimeout(poll, 1000);
        })
        .catch(() => setTimeout(poll, 5000));
    };
    setTimeout(poll, 300);
  });
  // A move from WeChat in progress shows its step; when it ends the page
  // reloads to show what moved, or why it stopped.
  document.querySelectorAll("[data-wechat-live]").forEach((box) => {
    const texts = textsOf(box);
    const bar = box.querySelector("progress");
    const step = box.querySelector("[data-testid=wechat-step]");
    const poll = () => {
      fetch(box.dataset.wechatLive, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((r) => r.json())
        .then((j) => {
          if (j.finished) {
            window.location.reload();
            return;
          }
          if (bar) {
            bar.value = j.percent;
            bar.textContent = j.percent + "%";
          }
          if (step) {
            if (j.step === "importing") step.textContent = tr(texts, "Importing");
            else if (j.step) step.textContent = tr(texts, "Reading %s", tr(texts, j.step)) + (j.total ? ": " + tr(texts, "%d of %d", j.done, j.total) : "");
            else step.textContent = tr(texts, "waiting for a node");
          }
          setTimeout(poll, 1000);
        })
        .catch(() => setTimeout(poll, 5000));
    };
    setTimeout(poll, 300);
  });
})();

// The data page: exports in progress update their bar from the server
// until they finish, then show their download link.
(() => {
  document.querySelectorAll("[data-export-live]").forEach((row) => {
    const bar = row.querySelector("progress");
    const state = row.querySelector("[data-testid=export-state]");
    const step = row.querySelector("[data-testid=export-step]");
    const poll = () => {
      fetch(row.dataset.exportLive, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((r) => r.json())
        .then((j) => {
          bar.value = j.percent;
          bar.textContent = j.percent + "%";
          state.textContent = j.state;
          state.className = "badge " + (j.state === "done" ? "ok" : j.state === "failed" ? "bad" : "warn");
          if (j.finished) {
            step.textContent = j.error || "";
            if (j.state === "done") row.querySelector("[data-testid=export-download-live]").hidden = false;
            return;
          }
          step.textContent = j.file ? `${j.file} (${j.rows} of ${j.total} rows)` : "waiting for a node";
          setTimeout(poll, 1000);
        })
        .catch(() => setTimeout(poll, 5000));
    };
    setTimeout(poll, 300);
  });
  // A move from WeChat in progress shows its step; when it ends the page
  // reloads to show what moved, or why it stopped.
  document.querySelectorAll("[data-wechat-live]").forEach((box) => {
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
            if (j.step === "importing") step.textContent = "Importing";
            else step.textContent = j.step ? `Reading ${j.step}` + (j.total ? `: ${j.done} of ${j.total}` : "") : "waiting for a node";
          }
          setTimeout(poll, 1000);
        })
        .catch(() => setTimeout(poll, 5000));
    };
    setTimeout(poll, 300);
  });
})();

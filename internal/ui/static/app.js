// Herald: small progressive enhancements. Every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Ask before destructive actions: <form data-confirm="Really?">.
  document.querySelectorAll("form[data-confirm]").forEach((f) => {
    f.addEventListener("submit", (e) => {
      if (!window.confirm(f.dataset.confirm)) e.preventDefault();
    });
  });
  // Let a flash message fade after a while.
  const flash = document.querySelector(".flash");
  if (flash) setTimeout(() => flash.classList.add("fade"), 6000);
});

// Herald console: scheduling on the publishing calendar. A draft is put on
// a day in three ways, each of which fills the plain schedule form under
// the drafts (draft and day) and moves to its time field:
//   - dragging it with a mouse (HTML5 drag and drop onto a day),
//   - dragging its grip with a finger or pen (pointer events; the day under
//     the finger when it lifts),
//   - pressing its "Schedule…" button, moving between days with the arrow
//     keys and picking one with Enter (a click or tap picks too; Escape
//     cancels).
// Days that can take a send carry data-day (today and later, in the shown
// month); the grid shows on wide screens and the week list on phones, and
// only the visible one is used. The form posts to the server, which checks
// the send and asks before scheduling it when there is something to
// accept. Without this script the form alone does the same.
"use strict";
(() => {
  const start = () => {
    const form = document.getElementById("cal-form");
    if (!form) return;
    const draftSel = form.querySelector("select[name=draft]");
    const dateIn = form.querySelector("input[name=date]");
    const timeIn = form.querySelector("input[name=time]");
    const status = form.querySelector(".cal-status");
    const visibleDays = () => [...document.querySelectorAll("[data-day]")].filter((e) => e.offsetParent !== null);
    const dayEl = (key) => visibleDays().find((e) => e.dataset.day === key);
    const dayAt = (x, y) => {
      const el = document.elementFromPoint(x, y);
      return el && el.closest("[data-day]");
    };
    const say = (text) => { status.textContent = text; };
    // The page's texts in its language (a JSON block the page renders);
    // {title} and {day} stand for the values.
    const texts = (() => {
      try { return JSON.parse(document.getElementById("calendar-texts").textContent); } catch (e) { return {}; }
    })();
    const text = (key, fallback, vals) => (texts[key] || fallback).replace(/\{(title|day)\}/g, (_, k) => vals[k]);

    // A calendar date plus n days, by date arithmetic (no time of day, so
    // no daylight-saving surprises).
    const addDays = (key, n) => {
      const [y, m, d] = key.split("-").map(Number);
      const t = new Date(Date.UTC(y, m - 1, d + n));
      return t.toISOString().slice(0, 10);
    };

    let marked = null;
    const mark = (el) => {
      if (marked === el) return;
      if (marked) marked.classList.remove("cal-target");
      marked = el;
      if (el) el.classList.add("cal-target");
    };

    // choose fills the form with the draft and the day and asks for the time.
    const choose = (draft, day) => {
      mark(null);
      draftSel.value = draft.dataset.draft;
      dateIn.value = day.dataset.day;
      say(text("picked", "“{title}” on {day}: choose the time, then Schedule.", { title: draft.dataset.title, day: day.dataset.label }));
      form.dataset.chosen = draft.dataset.draft + " " + day.dataset.day;
      timeIn.focus();
      form.scrollIntoView({ block: "nearest" });
    };

    // Keyboard picking: a roving tabindex over the visible days.
    let picking = null;
    let pressed = null;
    let current = "";
    const focusDay = (key) => {
      const el = dayEl(key);
      if (!el) return false;
      visibleDays().forEach((d) => { d.tabIndex = -1; });
      el.tabIndex = 0;
      el.focus();
      current = key;
      return true;
    };
    const stopPick = () => {
      picking = null;
      pressed = null;
      document.body.classList.remove("cal-picking");
      visibleDays().forEach((d) => { d.removeAttribute("tabindex"); d.removeAttribute("aria-label"); });
    };
    const startPick = (draft) => {
      const days = visibleDays();
      if (!days.length) {
        say(text("full", "No day of this month can take a send any more: go to the next month.", {}));
        return;
      }
      picking = draft;
      document.body.classList.add("cal-picking");
      days.forEach((d) => d.setAttribute("aria-label", d.dataset.label));
      const first = dayEl(dateIn.value) || days[0];
      focusDay(first.dataset.day);
      say(text("choose", "Choose a day for “{title}”: arrow keys move, Enter picks, Escape cancels.", { title: draft.dataset.title }));
    };
    document.addEventListener("keydown", (e) => {
      if (!picking) return;
      const day = e.target.closest && e.target.closest("[data-day]");
      if (e.key === "Escape") {
        e.preventDefault();
        const d = picking;
        stopPick();
        d.querySelector(".cal-pick").focus();
        say(text("cancelled", "Cancelled.", {}));
        return;
      }
      if (!day) return;
      const inGrid = !!day.closest(".cal-grid");
      const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: inGrid ? -7 : -1, ArrowDown: inGrid ? 7 : 1 }[e.key];
      if (step) {
        e.preventDefault();
        focusDay(addDays(current, step));
      } else if (e.key === "Enter" || e.key === " ") {
        // Picked on the key's release, so that the key's own press does
        // not reach the time field (where Enter would submit the form).
        e.preventDefault();
        pressed = day;
      }
    });
    document.addEventListener("keyup", (e) => {
      if (!picking || !pressed || (e.key !== "Enter" && e.key !== " ")) return;
      const day = pressed, d = picking;
      pressed = null;
      e.preventDefault();
      stopPick();
      choose(d, day);
    });
    document.addEventListener("click", (e) => {
      if (!picking) return;
      const day = e.target.closest && e.target.closest("[data-day]");
      if (!day) return;
      e.preventDefault();
      const d = picking;
      stopPick();
      choose(d, day);
    });

    const drafts = [...document.querySelectorAll(".cal-draft[draggable=true]")];
    const byID = (id) => drafts.find((li) => li.dataset.draft === id);
    drafts.forEach((li) => {
      const pick = li.querySelector(".cal-pick");
      pick.hidden = false;
      pick.addEventListener("click", (e) => {
        e.stopPropagation();
        if (picking) stopPick();
        startPick(li);
      });

      // A mouse drags the whole draft, with HTML5 drag and drop.
      li.addEventListener("dragstart", (e) => {
        e.dataTransfer.setData("text/plain", li.dataset.draft);
        e.dataTransfer.effectAllowed = "move";
        li.classList.add("cal-dragging");
      });
      li.addEventListener("dragend", () => {
        li.classList.remove("cal-dragging");
        mark(null);
      });

      // A finger or pen drags the grip, with pointer events: the page does
      // not scroll under it (touch-action: none), and it scrolls itself
      // near the top and bottom edges.
      const grip = li.querySelector(".cal-grip");
      let pointer = null;
      const end = () => {
        pointer = null;
        li.classList.remove("cal-dragging");
        mark(null);
      };
      grip.addEventListener("pointerdown", (e) => {
        if (e.pointerType === "mouse") return;
        e.preventDefault();
        grip.setPointerCapture(e.pointerId);
        pointer = e.pointerId;
        li.classList.add("cal-dragging");
      });
      grip.addEventListener("pointermove", (e) => {
        if (e.pointerId !== pointer) return;
        mark(dayAt(e.clientX, e.clientY));
        if (e.clientY > window.innerHeight - 40) window.scrollBy(0, 20);
        else if (e.clientY < 40) window.scrollBy(0, -20);
      });
      grip.addEventListener("pointerup", (e) => {
        if (e.pointerId !== pointer) return;
        const day = dayAt(e.clientX, e.clientY);
        end();
        if (day) choose(li, day);
      });
      grip.addEventListener("pointercancel", end);
    });
    document.addEventListener("dragover", (e) => {
      const day = e.target.closest && e.target.closest("[data-day]");
      mark(day);
      if (!day) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = "move";
    });
    document.addEventListener("drop", (e) => {
      const day = e.target.closest && e.target.closest("[data-day]");
      if (!day) return;
      e.preventDefault();
      const li = byID(e.dataTransfer.getData("text/plain"));
      if (li) {
        li.classList.remove("cal-dragging");
        choose(li, day);
      }
    });
    document.querySelectorAll(".cal-hint").forEach((h) => { h.hidden = false; });
    form.dataset.ready = "1";
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

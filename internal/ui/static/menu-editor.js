// Herald console: the custom menu editor drawn as the phone's menu bar.
// The form underneath stays what is submitted (three button slots, five
// item slots each, named b.N / b.N.s.M); this script draws the bar from
// it, shows one slot at a time in the side panel, and adds, removes and
// reorders buttons by renaming slots. Without it the whole form shows.
// A form shown again with errors opens on the first button at fault, marks
// every button at fault in the bar, and a link of the error summary opens
// the button whose field it names.
"use strict";
(() => {
  const MAX_TOP = 3, MAX_SUB = 5;

  const setup = (ed) => {
    // The texts the script writes, in the page's language: the page puts
    // their translations in data-texts (keys: the English texts).
    const texts = (() => { try { return JSON.parse(ed.dataset.texts || "{}"); } catch (_) { return {}; } })();
    const tr = (s, ...args) => { let i = 0; return (texts[s] || s).replace(/%[sd]/g, () => String(args[i++])); };
    const bar = ed.querySelector("[data-me-bar]");
    const stage = ed.querySelector("[data-me-stage]");
    const title = ed.querySelector("[data-me-title]");
    const panel = ed.querySelector("[data-me-panel]");
    if (!bar || !stage || !panel) return;
    ed.classList.add("me-js");
    stage.hidden = false;
    panel.querySelectorAll("details").forEach((d) => { d.open = true; });

    const tops = () => Array.from(panel.querySelectorAll(":scope > fieldset[data-me-top]"));
    const prefixOf = (el) => el.dataset.meTop || el.dataset.prefix;
    const input = (el, field) => el.querySelector(`[name="${prefixOf(el)}.${field}"]`);
    const ownSlot = (top) => top.querySelector(":scope > [data-menu-slot]");
    const subSlots = (top) => Array.from(top.querySelectorAll(".menu-subs [data-menu-slot]"))
      .sort((a, b) => a.dataset.prefix.localeCompare(b.dataset.prefix, undefined, { numeric: true }));
    const nameOf = (slot) => (input(slot, "name") || {}).value || "";
    const typeOf = (slot) => (input(slot, "type") || {}).value || "";
    // A slot is used when it has a name or an action (as the server reads it).
    const used = (slot) => nameOf(slot).trim() !== "" || (typeOf(slot) !== "" && typeOf(slot) !== "sub");
    // A slot (or a top button's whole fieldset) is at fault when the server
    // put a message on one of its fields.
    const faulty = (el) => el.querySelector(".field-error") !== null;
    const ownFaulty = (slot) => Array.from(slot.querySelectorAll(".field-error")).some((m) => m.closest("[data-menu-slot]") === slot);

    let selected = null; // a [data-menu-slot]

    // rename moves every field of el from prefix from to prefix to.
    const rename = (el, from, to) => {
      const all = [el, ...el.querySelectorAll("[name], [data-prefix], [data-me-top]")];
      all.forEach((n) => {
        if (n.name && n.name.startsWith(from + ".")) n.name = to + n.name.slice(from.length);
        if (n.dataset.prefix && (n.dataset.prefix === from || n.dataset.prefix.startsWith(from + "."))) n.dataset.prefix = to + n.dataset.prefix.slice(from.length);
        if (n.dataset.meTop && n.dataset.meTop === from) n.dataset.meTop = to;
      });
    };
    // containerOf is what moves with a slot: a top button's fieldset, or an
    // item's slot (with its wrapper, when the server wrapped an empty one).
    const containerOf = (slot) => slot.hasAttribute("data-top") ? slot.closest("fieldset[data-me-top]") : (slot.closest("details.menu-empty") || slot);
    const swap = (a, b) => {
      const ca = containerOf(a), cb = containerOf(b);
      const pa = prefixOf(ca), pb = prefixOf(cb);
      rename(ca, pa, "tmp");
      rename(cb, pb, pa);
      rename(ca, "tmp", pb);
      const mark = document.createComment("");
      ca.replaceWith(mark);
      cb.replaceWith(ca);
      mark.replaceWith(cb);
      relabel();
    };
    const relabel = () => {
      tops().forEach((t, i) => {
        t.querySelectorAll(":scope > legend[data-me-label], :scope > [data-menu-slot] [data-me-label]").forEach((l) => { l.textContent = tr("Button %d", i + 1); });
        subSlots(t).forEach((s, j) => { s.querySelectorAll("[data-me-label]").forEach((l) => { l.textContent = tr("Item %d", j + 1); }); });
      });
    };
    const clear = (el) => {
      el.querySelectorAll("input, textarea, select").forEach((f) => {
        if (f.tagName === "SELECT") f.selectedIndex = 0;
        else if (f.type !== "checkbox" && f.type !== "radio") f.value = "";
        f.dispatchEvent(new Event("change", { bubbles: true }));
      });
      el.querySelectorAll("img.thumb").forEach((i) => i.remove());
    };
    // siblings returns the slots selected's move and remove act among.
    const siblings = (slot) => slot.hasAttribute("data-top") ? tops().map(ownSlot) : subSlots(slot.closest("fieldset[data-me-top]"));

    const select = (slot, focus) => {
      selected = slot;
      panel.querySelectorAll(".me-selected").forEach((n) => n.classList.remove("me-selected"));
      if (slot) {
        slot.classList.add("me-selected");
        slot.closest("fieldset[data-me-top]").classList.add("me-selected");
        const subs = slot.closest("fieldset[data-me-top]").querySelector(".menu-subs");
        if (subs) subs.classList.toggle("me-selected", !slot.hasAttribute("data-top"));
        if (focus) { const n = input(slot, "name"); if (n) { n.focus(); n.select(); } }
      }
      draw();
    };

    const barButton = (label, cls, onClick, extra) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = cls;
      b.textContent = label;
      if (extra) Object.entries(extra).forEach(([k, v]) => b.setAttribute(k, v));
      b.addEventListener("click", onClick);
      return b;
    };

    const draw = () => {
      bar.textContent = "";
      const usedTops = tops().filter((t) => used(ownSlot(t)));
      usedTops.forEach((t) => {
        const own = ownSlot(t);
        const col = document.createElement("div");
        col.className = "me-col";
        const open = selected && selected.closest("fieldset[data-me-top]") === t && typeOf(own) === "sub";
        if (open) {
          const pop = document.createElement("div");
          pop.className = "me-pop";
          const items = subSlots(t).filter(used);
          items.forEach((s) => pop.append(barButton(nameOf(s) || tr("(no name)"), "me-item" + (ownFaulty(s) ? " me-invalid" : ""), () => select(s, false),
            { "aria-pressed": String(s === selected), "data-testid": "menu-item", ...(ownFaulty(s) ? { "aria-label": tr("%s: needs fixing", nameOf(s) || tr("(no name)")) } : {}) })));
          if (items.length < MAX_SUB) {
            pop.append(barButton(tr("+ Item"), "me-add", () => {
              const free = subSlots(t).find((s) => !used(s));
              if (!free) return;
              input(free, "name").value = tr("Item");
              select(free, true);
            }, { "aria-label": tr("Add an item to %s", nameOf(own) || tr("this button")), "data-testid": "menu-add-item" }));
          }
          col.append(pop);
        }
        col.append(barButton(nameOf(own) || tr("(no name)"), "me-top" + (typeOf(own) === "sub" ? " me-has-sub" : "") + (faulty(t) ? " me-invalid" : ""), () => select(own, false),
          { "aria-pressed": String(own === selected), "data-testid": "menu-top", ...(faulty(t) ? { "aria-label": tr("%s: needs fixing", nameOf(own) || tr("(no name)")) } : {}) }));
        bar.append(col);
      });
      if (usedTops.length < MAX_TOP) {
        const col = document.createElement("div");
        col.className = "me-col me-col-add";
        col.append(barButton("+", "me-add me-add-top", () => {
          const free = tops().find((t) => !used(ownSlot(t)));
          if (!free) return;
          const own = ownSlot(free);
          input(own, "name").value = tr("Menu");
          const ty = input(own, "type");
          ty.value = "text";
          ty.dispatchEvent(new Event("change", { bubbles: true }));
          select(own, true);
        }, { "aria-label": tr("Add a menu button"), "data-testid": "menu-add-top" }));
        bar.append(col);
      }
      const sib = selected ? siblings(selected).filter(used) : [];
      const at = sib.indexOf(selected);
      ed.querySelectorAll("[data-me-act]").forEach((b) => {
        const act = b.dataset.meAct;
        b.disabled = !selected || at < 0 || (act === "prev" && at === 0) || (act === "next" && at === sib.length - 1);
      });
      if (title) {
        if (!selected) title.textContent = tr("Select a button to edit it.");
        else {
          const top = ownSlot(selected.closest("fieldset[data-me-top]"));
          title.textContent = selected === top ? tr("Editing “%s”", nameOf(top)) : tr("Editing “%s” in “%s”", nameOf(selected), nameOf(top));
        }
      }
    };

    ed.querySelectorAll("[data-me-act]").forEach((b) => b.addEventListener("click", () => {
      if (!selected) return;
      const sib = siblings(selected).filter(used);
      const at = sib.indexOf(selected);
      const act = b.dataset.meAct;
      if (act === "prev" && at > 0) swap(selected, sib[at - 1]);
      else if (act === "next" && at >= 0 && at < sib.length - 1) swap(selected, sib[at + 1]);
      else if (act === "remove") {
        const isTop = selected.hasAttribute("data-top");
        clear(containerOf(selected));
        // Keep the used slots first: move the cleared one past the others.
        let all = siblings(selected);
        for (let i = all.indexOf(selected); i < all.length - 1; i++) {
          if (!used(all[i + 1])) break;
          swap(selected, all[i + 1]);
          all = siblings(selected);
        }
        const rest = siblings(selected).filter(used);
        if (isTop) select(rest[0] || null, false);
        else select(rest[0] || ownSlot(selected.closest("fieldset[data-me-top]")), false);
        b.focus();
        return;
      }
      select(selected, false);
      // Keep the keyboard on the moved button.
      const again = ed.querySelector(`[data-me-act="${act}"]`);
      if (again && !again.disabled) again.focus();
    }));
    panel.addEventListener("input", (e) => { if (e.target.matches("[data-me-name]")) draw(); });
    panel.addEventListener("change", (e) => { if (e.target.matches("[data-menu-type]")) draw(); });

    // A link of the error summary shows the slot of the field it names
    // before the page moves to it (this runs in the capture phase, ahead
    // of the link's own handler).
    document.addEventListener("click", (e) => {
      const a = e.target.closest && e.target.closest(".error-summary a[data-field]");
      if (!a) return;
      const field = Array.from(panel.querySelectorAll("[name]")).find((el) => el.name === a.dataset.field && el.type !== "hidden");
      const slot = field && field.closest("[data-menu-slot]");
      if (slot) select(slot, false);
    }, true);

    const slots = Array.from(panel.querySelectorAll("[data-menu-slot]"));
    const first = slots.find((s) => used(s) && ownFaulty(s)) || tops().map(ownSlot).find(used);
    select(first || null, false);
  };

  const start = () => document.querySelectorAll("[data-menu-editor]").forEach(setup);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

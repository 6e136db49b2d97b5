/* aftersales console: countdowns, shortcuts, command palette, bulk actions, canned replies, charts.
   Pages work without it (forms post normally); it only makes them quicker to use. */
(function () {
  "use strict";
  const en = () => document.body.dataset.lang === "en";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const csrf = () => document.body.dataset.csrf || "";

  /* ---- SLA countdowns: each clock counts down in the browser from its deadline ---- */
  function pad(n) { return String(n).padStart(2, "0"); }
  function span(seconds) {
    const s = Math.abs(Math.round(seconds));
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d > 0) return en() ? `${d}d ${h}h` : `${d}天${h}小时`;
    return `${pad(h)}:${pad(m)}:${pad(s % 60)}`;
  }
  function tick() {
    const now = Date.now();
    for (const el of $$("[data-deadline]")) {
      const due = Date.parse(el.dataset.deadline);
      if (Number.isNaN(due)) continue;
      const left = (due - now) / 1000;
      el.classList.toggle("late", left < 0);
      el.classList.toggle("soon", left >= 0 && left < 900);
      el.textContent = left < 0 ? (en() ? `overdue ${span(left)}` : `已超时 ${span(left)}`)
                                : (en() ? `${span(left)} left` : `剩余 ${span(left)}`);
    }
  }
  setInterval(tick, 1000);

  /* ---- dialogs ---- */
  function openDialog(id) { const d = document.getElementById(id); if (d && !d.open) d.showModal(); return d; }
  document.addEventListener("click", (ev) => {
    const opener = ev.target.closest("[data-open]");
    if (opener) { ev.preventDefault(); openDialog(opener.dataset.open); }
    const closer = ev.target.closest("[data-close]");
    if (closer) { ev.preventDefault(); const d = closer.closest("dialog"); if (d) d.close(); }
  });

  /* ---- after an htmx post: clear the form or close its dialog (no hx-on: the CSP allows no eval) ---- */
  document.addEventListener("htmx:afterRequest", (ev) => {
    const el = ev.target;
    if (!(el instanceof Element)) return;
    const ok = Boolean(ev.detail && ev.detail.successful);
    const reset = el.closest("[data-reset-on-success]");
    if (ok && reset) reset.reset();
    const clear = el.closest("[data-clear-on-success]");
    if (ok && clear) $$(clear.dataset.clearOnSuccess, clear).forEach((field) => { field.value = ""; });
    const closer = el.closest("[data-close-dialog-after]");
    const dialog = closer && closer.closest("dialog");
    if (dialog && dialog.open) dialog.close();
  });

  /* ---- command palette (Ctrl+K / ⌘K) ---- */
  function commands() {
    const el = document.getElementById("commands");
    let list = [];
    try { list = el ? JSON.parse(el.textContent) : []; } catch (e) { list = []; }
    return list;
  }
  function runCommand(cmd) {
    if (cmd.href) { window.location.href = cmd.href; return; }
    if (cmd.open) { $("#palette").close(); openDialog(cmd.open); return; }
    if (cmd.focus) { $("#palette").close(); const f = $(cmd.focus); if (f) f.focus(); }
  }
  function renderPalette(filter) {
    const ul = $("#palette ul");
    if (!ul) return;
    const q = filter.trim().toLowerCase();
    ul.innerHTML = "";
    const caseId = /^cs-[0-9a-z]+$/i.test(filter.trim()) ? filter.trim().toUpperCase() : null;
    const items = commands().filter((c) => !q || (c.label + " " + (c.keys || "")).toLowerCase().includes(q));
    if (caseId) items.unshift({ label: (en() ? "Open case " : "打开工单 ") + caseId, href: "/agent/cases/" + caseId });
    items.slice(0, 30).forEach((c, i) => {
      const li = document.createElement("li");
      li.textContent = c.label;
      if (i === 0) li.classList.add("active");
      li.addEventListener("click", () => runCommand(c));
      li._cmd = c;
      ul.appendChild(li);
    });
  }
  function openPalette() {
    const d = openDialog("palette");
    if (!d) return;
    const input = $("input", d);
    input.value = "";
    renderPalette("");
    input.focus();
  }
  document.addEventListener("input", (ev) => { if (ev.target.matches("#palette input")) renderPalette(ev.target.value); });

  /* ---- keyboard shortcuts: j/k move, o/Enter open, x select, r reply, e escalate, ? help ---- */
  function typing(ev) {
    const t = ev.target;
    return t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));
  }
  function rows() { return $$("[data-row]"); }
  function move(step) {
    const list = rows();
    if (!list.length) return;
    let i = list.findIndex((r) => r.classList.contains("selected"));
    if (i >= 0) list[i].classList.remove("selected");
    i = Math.max(0, Math.min(list.length - 1, i + step));
    list[i].classList.add("selected");
    list[i].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", (ev) => {
    if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "k") { ev.preventDefault(); openPalette(); return; }
    const pal = $("#palette");
    if (pal && pal.open) {
      // a search field swallows the first Escape to clear itself: the palette closes on it instead
      if (ev.key === "Escape") { ev.preventDefault(); pal.close(); return; }
      const lis = $$("li", pal);
      let i = lis.findIndex((li) => li.classList.contains("active"));
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        ev.preventDefault();
        if (i >= 0) lis[i].classList.remove("active");
        i = Math.max(0, Math.min(lis.length - 1, i + (ev.key === "ArrowDown" ? 1 : -1)));
        if (lis[i]) lis[i].classList.add("active");
      } else if (ev.key === "Enter" && lis[i >= 0 ? i : 0]) { ev.preventDefault(); runCommand(lis[i >= 0 ? i : 0]._cmd); }
      return;
    }
    if (typing(ev) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const selected = $("[data-row].selected");
    switch (ev.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "o": case "Enter": if (selected && selected.dataset.href) window.location.href = selected.dataset.href; break;
      case "x": if (selected) { const box = $("input[type=checkbox]", selected); if (box) { box.checked = !box.checked; bulkCount(); } } break;
      case "r": { const reply = $("#reply-body"); if (reply) { ev.preventDefault(); reply.focus(); } break; }
      case "e": if ($("#dlg-escalate")) { ev.preventDefault(); openDialog("dlg-escalate"); } break;
      case "?": openDialog("help"); break;
      default: return;
    }
  });

  /* ---- canned replies: search by text, full pinyin or initials; variables are filled on the server ---- */
  document.addEventListener("input", (ev) => {
    if (!ev.target.matches("#canned-search")) return;
    const q = ev.target.value.trim().toLowerCase().replace(/\s+/g, "");
    for (const li of $$("#canned-list li")) li.classList.toggle("hidden", !!q && !li.dataset.keys.includes(q));
  });
  document.addEventListener("click", (ev) => {
    const li = ev.target.closest("#canned-list li");
    if (!li) return;
    const reply = $("#reply-body");
    if (reply) { reply.value = li.dataset.text; reply.focus(); }
  });
  document.addEventListener("click", (ev) => {
    const b = ev.target.closest("[data-fill]");
    if (!b) return;
    const target = $(b.dataset.target || "#reply-body");
    if (target) { target.value = b.dataset.fill; target.focus(); }
  });

  /* ---- bulk actions: one request per case, a progress bar, and each refusal named ---- */
  function bulkCount() {
    const n = $$("input[name=case]:checked").length;
    const out = $("#bulk-count");
    if (out) out.textContent = String(n);
    const toggle = $("#bulk-open");
    if (toggle) toggle.disabled = n === 0;
  }
  document.addEventListener("change", (ev) => {
    if (ev.target.matches("#select-all")) { for (const b of $$("input[name=case]")) b.checked = ev.target.checked; }
    if (ev.target.matches("input[name=case], #select-all")) bulkCount();
  });
  document.addEventListener("htmx:afterSwap", bulkCount);
  async function runBulk(form) {
    const ids = form.dataset.cases ? JSON.parse(form.dataset.cases) : $$("input[name=case]:checked").map((b) => b.value);
    const data = new FormData(form);
    const action = data.get("action");
    const bar = $(".progress > div", form), log = $(".bulk-log", form), button = $("button[type=submit]", form);
    if (!ids.length || !action) return;
    button.disabled = true;
    log.innerHTML = "";
    let done = 0, failed = 0;
    for (const id of ids) {
      const body = new URLSearchParams();
      for (const [k, v] of data.entries()) if (k !== "action") body.append(k, v);
      let ok = false, message = "";
      try {
        const res = await fetch(`/agent/cases/${encodeURIComponent(id)}/bulk/${encodeURIComponent(action)}`, {
          method: "POST", body, headers: { "X-CSRF-Token": csrf(), "Accept": "application/json" }, credentials: "same-origin" });
        const answer = await res.json().catch(() => ({}));
        ok = res.ok; message = answer.message || answer.detail || res.statusText;
      } catch (e) { message = String(e); }
      done += 1;
      if (!ok) {
        failed += 1;
        const li = document.createElement("li");
        li.textContent = `${id}: ${message}`;
        log.appendChild(li);
      }
      bar.style.width = `${Math.round((done / ids.length) * 100)}%`;
      const status = $(".bulk-status", form);
      if (status) status.textContent = `${done}/${ids.length}` + (failed ? (en() ? `, ${failed} refused` : `，${failed} 单未执行`) : "");
    }
    button.disabled = false;
    document.body.dispatchEvent(new Event("bulk-done"));
  }
  document.addEventListener("submit", (ev) => {
    if (ev.target.matches("form.bulk")) { ev.preventDefault(); runBulk(ev.target); }
  });

  /* ---- charts: options are JSON beside the element; ECharts is loaded only on pages with charts ---- */
  function drawCharts(root) {
    if (!window.echarts) return;
    for (const el of $$("[data-chart]", root)) {
      if (el._chart) continue;
      const src = document.getElementById(el.dataset.chart);
      if (!src) continue;
      el._chart = window.echarts.init(el, null, { renderer: "canvas" });
      el._chart.setOption(JSON.parse(src.textContent));
    }
  }
  window.addEventListener("resize", () => { for (const el of $$("[data-chart]")) if (el._chart) el._chart.resize(); });
  document.addEventListener("htmx:afterSwap", (ev) => drawCharts(ev.target));

  /* ---- a live refresh never replaces a part the person is working in: an open dialog, a field being typed.
     The part is refreshed once they are done (the dialog closes, the field loses focus). ---- */
  let heldBack = false;
  document.addEventListener("htmx:oobBeforeSwap", (ev) => {
    const target = ev.detail.target;
    const active = document.activeElement;
    const typing = active && target.contains(active) && ["INPUT", "TEXTAREA", "SELECT"].includes(active.tagName)
      && active.value;
    if (target.querySelector("dialog[open]") || typing) { ev.detail.shouldSwap = false; heldBack = true; }
  });
  function catchUp() {
    if (!heldBack || document.querySelector("dialog[open]")) return;
    heldBack = false;
    const live = $("[hx-trigger^='sse:case']");
    if (live && window.htmx) window.htmx.trigger(live, "sse:case");
  }
  document.addEventListener("close", catchUp, true);
  document.addEventListener("focusout", () => setTimeout(catchUp, 0));

  /* ---- live stream state, for the person (a dot in the header) and for tests (body[data-live]) ---- */
  function live(state) {
    document.body.dataset.live = state;
    const dot = $("#live-dot");
    if (dot) { dot.dataset.state = state; dot.title = state === "open" ? (en() ? "live" : "实时") : (en() ? "reconnecting" : "重连中"); }
  }
  document.addEventListener("htmx:sseOpen", () => live("open"));
  document.addEventListener("htmx:sseError", () => live("retrying"));

  document.addEventListener("DOMContentLoaded", () => { tick(); drawCharts(document); bulkCount(); });
})();

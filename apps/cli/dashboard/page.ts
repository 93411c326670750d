/**
 * The dashboard page, self-contained (no build step, no outside request). Every value comes from files
 * a Syncthing peer can write, so it is only ever set as text (`textContent`), never as markup.
 */
export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Aether fleet</title>
<style>
  :root { color-scheme: dark; --bg: #0f1318; --card: #171d24; --line: #26303b; --text: #e8edf2; --dim: #8b98a5;
    --idle: #7b8794; --syncing: #3d8bfd; --ready: #2fb170; --presenting: #a66cff; --error: #e5484d; --stale: #f5a524; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--text); }
  header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 24px; padding: 18px 24px; border-bottom: 1px solid var(--line); }
  h1 { font-size: 20px; margin: 0; }
  .summary { color: var(--dim); }
  .summary b { color: var(--text); }
  .live { margin-left: auto; color: var(--dim); font-size: 13px; }
  .live::before { content: ""; display: inline-block; width: 8px; height: 8px; border-radius: 50%; margin-right: 6px; background: var(--error); }
  .live.on::before { background: var(--ready); }
  main { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 16px; padding: 20px 24px; }
  .card { background: var(--card); border: 1px solid var(--line); border-left: 6px solid var(--idle); border-radius: 10px; padding: 14px 16px; display: flex; flex-direction: column; gap: 8px; }
  .card.syncing { border-left-color: var(--syncing); } .card.ready { border-left-color: var(--ready); }
  .card.presenting { border-left-color: var(--presenting); } .card.error { border-left-color: var(--error); }
  .card.stale { border-color: var(--stale); border-left-color: var(--stale); opacity: .85; }
  .top { display: flex; align-items: center; gap: 10px; }
  .host { font-size: 18px; font-weight: 650; overflow-wrap: anywhere; }
  .badge { margin-left: auto; padding: 2px 10px; border-radius: 999px; font-size: 12px; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; background: var(--idle); color: #0b0e12; white-space: nowrap; }
  .badge.syncing { background: var(--syncing); } .badge.ready { background: var(--ready); } .badge.presenting { background: var(--presenting); }
  .badge.error { background: var(--error); } .badge.stale { background: var(--stale); }
  .reason, .dim { color: var(--dim); font-size: 13px; overflow-wrap: anywhere; }
  .row { display: flex; justify-content: space-between; gap: 12px; font-size: 14px; }
  .row span:first-child { color: var(--dim); }
  .row span:last-child { text-align: right; overflow-wrap: anywhere; }
  .bar { height: 6px; background: var(--line); border-radius: 3px; overflow: hidden; }
  .bar i { display: block; height: 100%; background: var(--ready); }
  .warn { color: var(--stale); } .bad { color: var(--error); } .good { color: var(--ready); }
  img.shot { width: 100%; border-radius: 6px; border: 1px solid var(--line); background: #000; }
  section.problems { padding: 0 24px 24px; color: var(--dim); }
  section.problems h2 { font-size: 15px; color: var(--error); }
  .empty { grid-column: 1 / -1; color: var(--dim); padding: 40px 0; text-align: center; }
</style>
</head>
<body>
<header>
  <h1>Aether fleet</h1>
  <span class="summary" id="summary">loading…</span>
  <span class="live" id="live">connecting</span>
</header>
<main id="cards"></main>
<section class="problems" id="problems" hidden><h2>Status files that could not be read</h2><ul id="problem-list"></ul></section>
<script>
"use strict";
let fleet = null;
let skewMs = 0;
const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
const ago = (ms) => { const s = Math.max(0, Math.round(ms / 1000)); if (s < 60) return s + " s ago"; const m = Math.floor(s / 60); if (m < 60) return m + " min ago"; const h = Math.floor(m / 60); return h < 48 ? h + " h ago" : Math.floor(h / 24) + " d ago"; };
const time = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
const roomOf = (s) => (s.room && s.room.state) || (s.state === "failed" ? "error" : "idle");
function row(label, value, cls) { const r = el("div", "row"); r.append(el("span", "", label), el("span", cls || "", value)); return r; }
function nextSession(s, now) {
  const sessions = (s.sessions || []).filter((x) => x.starts_at).sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at));
  return sessions.find((x) => Date.parse(x.starts_at) > now) || null;
}
/** Sessions starting within 30 minutes (or running) that are not show-ready, from the laptop's own tracker. */
function atRisk(s) { return (s.sessions || []).filter((x) => x.at_risk_since).slice(0, 3); }
function notReady(x) {
  const missing = x.files ? x.missing + " of " + x.files + " files missing" : x.missing + " file" + (x.missing === 1 ? "" : "s") + " missing";
  return x.at_risk_since ? "not ready since " + time(x.at_risk_since) + ", " + missing : missing;
}
const GIB = 1024 * 1024 * 1024;
const bytes = (n) => n >= GIB ? (n / GIB).toFixed(1) + " GB" : Math.round(n / (1024 * 1024)) + " MB";
function diskText(d) {
  const held = "cache " + bytes(d.cache_bytes);
  return d.free_bytes === null ? "free space unknown (" + (d.free_unknown || "unreadable") + "), " + held : bytes(d.free_bytes) + " free, " + held;
}
function updateText(u) {
  if (u.last_error) return ["failed: " + u.last_error, "bad"];
  if (u.staged) return [u.staged + " staged" + (u.waiting_for ? ", waiting for " + u.waiting_for : ""), "warn"];
  if (u.available) return [u.available + " available", ""];
  return ["up to date", "dim"];
}
function card(entry, now) {
  const s = entry.status;
  const lastSeen = now - Date.parse(s.last_seen);
  const stale = lastSeen > fleet.staleAfterMs;
  const room = roomOf(s);
  const c = el("article", "card " + room + (stale ? " stale" : ""));
  c.dataset.host = s.hostname;
  const top = el("div", "top");
  top.append(el("span", "host", s.hostname), el("span", "badge " + (stale ? "stale" : room), stale ? "stale" : room));
  c.append(top);
  const reason = s.room && s.room.reason;
  if (reason) c.append(el("div", "reason", reason));
  if (s.on_screen) c.append(row("On screen", s.on_screen.filename + (s.on_screen.app_running ? "" : " (closed)")));
  const next = nextSession(s, now);
  if (next) c.append(row("Next: " + (next.title || next.id) + " " + time(next.starts_at), next.ready ? "show-ready" : notReady(next), next.ready ? "good" : "bad"));
  for (const risk of atRisk(s).filter((x) => x !== next)) c.append(row("At risk: " + (risk.title || risk.id) + (risk.starts_at ? " " + time(risk.starts_at) : ""), notReady(risk), "bad"));
  const [text, cls] = updateText(s.update);
  c.append(row("Version " + s.app_version, text, cls));
  if (s.disk) c.append(row("Disk", diskText(s.disk), s.disk.free_bytes === null || s.disk.free_bytes < s.disk.min_free_bytes + GIB ? "warn" : ""));
  const files = s.cache.files, have = Math.max(0, files - s.cache.missing);
  c.append(row("Cache", files ? have + " of " + files + " files" : "no files yet", files && have < files ? "warn" : ""));
  const bar = el("div", "bar"); const fill = el("i"); fill.style.width = (files ? Math.floor((have / files) * 100) : 0) + "%"; bar.append(fill); c.append(bar);
  const seen = row("Last seen", (stale ? "STALE, " : "") + ago(lastSeen), stale ? "warn" : "");
  seen.lastChild.dataset.seen = String(Date.parse(s.last_seen));
  c.append(seen);
  if (s.event_device_id) c.append(el("div", "dim", "device " + s.event_device_id + (s.state ? " · " + s.state : "")));
  if (s.screenshot) { const img = el("img", "shot"); img.alt = "screen of " + s.hostname; img.src = "/screenshots/" + encodeURIComponent(s.screenshot) + "?at=" + encodeURIComponent(s.last_seen); c.append(img); }
  return c;
}
function render() {
  if (!fleet) return;
  const now = Date.now() - skewMs;
  const cards = document.getElementById("cards");
  const list = fleet.rows.map((r) => card(r, now));
  cards.replaceChildren(...(list.length ? list : [el("div", "empty", fleet.notes[0] || "No laptop has reported yet.")]));
  const presenting = fleet.rows.filter((r) => roomOf(r.status) === "presenting").length;
  const stale = list.filter((c) => c.classList.contains("stale")).length;
  const summary = document.getElementById("summary");
  summary.replaceChildren(el("b", "", String(fleet.rows.length)), document.createTextNode(" laptops · "), el("b", "", String(presenting)), document.createTextNode(" presenting · "), el("b", "", String(stale)), document.createTextNode(" stale · " + fleet.share));
  const problems = document.getElementById("problems");
  problems.hidden = fleet.problems.length === 0;
  document.getElementById("problem-list").replaceChildren(...fleet.problems.map((p) => el("li", "", p)));
}
function connect() {
  const live = document.getElementById("live");
  const source = new EventSource("/events");
  source.addEventListener("fleet", (event) => { fleet = JSON.parse(event.data); skewMs = Date.now() - Date.parse(fleet.now); live.textContent = "live"; live.classList.add("on"); render(); });
  source.onerror = () => { live.textContent = "reconnecting"; live.classList.remove("on"); };
}
/** Every second: move the "last seen" texts; re-render only when a laptop turns stale or fresh. */
function tick() {
  if (!fleet) return;
  const now = Date.now() - skewMs;
  let changed = false;
  for (const span of document.querySelectorAll("[data-seen]")) {
    const age = now - Number(span.dataset.seen);
    const stale = age > fleet.staleAfterMs;
    if (stale !== span.closest(".card").classList.contains("stale")) changed = true;
    span.textContent = (stale ? "STALE, " : "") + ago(age);
  }
  if (changed) render();
}
connect();
setInterval(tick, 1000);
</script>
</body>
</html>
`;

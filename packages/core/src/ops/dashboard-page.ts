// The `/admin` dashboard: plain HTML and CSS served from memory, so it needs
// no build step and no static files beside `dist/`. The script is in
// `dashboard-script.ts`; the data comes from `/admin/events`.

/** The dashboard's HTML shell; the script fills it from the live feed. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Portico dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/admin/dashboard.css">
<script src="/admin/dashboard.js" defer></script>
</head>
<body>
<header class="top">
  <h1><span class="brand">Portico</span> <span id="app">…</span></h1>
  <div id="readiness" class="pill" data-ready="unknown">…</div>
  <dl id="process" class="process"></dl>
  <div id="connection" class="pill" data-connection="connecting">connecting…</div>
</header>
<noscript><p class="note">This page needs JavaScript; the same data is at <a href="/admin/status">/admin/status</a>.</p></noscript>
<main>
  <section>
    <h2>Upstream services <small>circuit · last minute · sparkline: mean latency per second, red: failures</small></h2>
    <div id="tiles" class="tiles"></div>
  </section>
  <section class="split">
    <div>
      <h2>Routes <small>last minute</small></h2>
      <table id="routes">
        <thead><tr><th>route</th><th>req/s</th><th>degraded</th><th>5xx</th><th>p50</th><th>p95</th><th>p99</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
    <div>
      <h2>Composite requests
        <span class="tabs"><button type="button" data-view="latest" aria-pressed="true">latest</button><button type="button" data-view="slowest" aria-pressed="false">slowest, last minute</button></span>
        <small>click one to pin it</small></h2>
      <ol id="recent" class="recent"></ol>
    </div>
  </section>
  <section>
    <h2>Waterfall <small id="waterfall-title"></small></h2>
    <div id="waterfall" class="waterfall"><p class="note">No composite request yet.</p></div>
    <ul class="legend">
      <li data-outcome="ok">ok</li><li data-outcome="cache">cache</li><li data-outcome="default">default</li>
      <li data-outcome="empty">empty</li><li data-outcome="failed">failed</li><li data-outcome="skipped">skipped</li>
    </ul>
  </section>
</main>
</body>
</html>
`;

/** The dashboard's styles. */
export const DASHBOARD_CSS = `:root {
  --bg: #11151c; --panel: #1a202b; --line: #2a3342; --text: #e6e9ef; --muted: #8a94a6;
  --ok: #3fb950; --warn: #d29922; --bad: #f85149; --info: #58a6ff; --violet: #bc8cff; --grey: #6e7681;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); }
.top { display: flex; flex-wrap: wrap; gap: 12px 20px; align-items: center; padding: 12px 20px;
  border-bottom: 1px solid var(--line); background: var(--panel); }
h1 { font-size: 18px; margin: 0; font-weight: 600; }
.brand { color: var(--info); }
h2 { font-size: 14px; margin: 18px 0 8px; font-weight: 600; }
h2 small { color: var(--muted); font-weight: 400; margin-left: 6px; }
main { padding: 0 20px 24px; }
.note { color: var(--muted); }
.pill { border-radius: 999px; padding: 2px 10px; font-size: 12px; font-weight: 600; border: 1px solid var(--line); }
.pill[data-ready="true"], .pill[data-connection="live"] { color: var(--ok); border-color: var(--ok); }
.pill[data-ready="false"], .pill[data-connection="lost"] { color: var(--bad); border-color: var(--bad); }
.pill[data-connection="connecting"] { color: var(--warn); border-color: var(--warn); }
.process { display: flex; gap: 16px; margin: 0; color: var(--muted); font-size: 12px; flex: 1; }
.process div { display: flex; gap: 4px; }
.process dt::after { content: ":"; }
.process dd { margin: 0; color: var(--text); font-variant-numeric: tabular-nums; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 10px; }
.tile { background: var(--panel); border: 1px solid var(--line); border-left: 4px solid var(--ok);
  border-radius: 6px; padding: 8px 10px; transition: background .3s, border-color .3s; }
.tile[data-health="warn"] { border-left-color: var(--warn); }
.tile[data-health="bad"] { border-left-color: var(--bad); }
.tile[data-state="half-open"] { border-color: var(--warn); background: #2a2415; }
.tile[data-state="open"] { border-color: var(--bad); background: #3a1618; }
.tile header { display: flex; justify-content: space-between; align-items: center; gap: 6px; }
.tile h3 { margin: 0; font-size: 14px; font-weight: 600; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.badge { flex: none; font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .04em;
  padding: 1px 7px; border-radius: 4px; background: var(--ok); color: #06130a; }
.tile[data-state="half-open"] .badge { background: var(--warn); color: #1d1403; }
.tile[data-state="open"] .badge { background: var(--bad); color: #fff; }
.spark { display: block; width: 100%; height: 38px; margin: 6px 0 4px; background: #141922; border-radius: 3px; }
.spark .latency { fill: none; stroke: var(--info); stroke-width: 1.4; vector-effect: non-scaling-stroke; }
.spark .errors rect { fill: var(--bad); opacity: .85; }
.stats { display: grid; grid-template-columns: repeat(4, 1fr); gap: 2px 8px; margin: 0; }
.stats div { min-width: 0; }
.stats dt { color: var(--muted); font-size: 10px; text-transform: uppercase; letter-spacing: .03em; white-space: nowrap; }
.stats dd { margin: 0; font-variant-numeric: tabular-nums; font-size: 13px; white-space: nowrap; }
.stats dd[data-alert="true"] { color: var(--bad); font-weight: 600; }
.split { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 20px; }
@media (max-width: 900px) { .split { grid-template-columns: 1fr; } }
table { width: 100%; border-collapse: collapse; background: var(--panel); border-radius: 6px; overflow: hidden; }
th, td { text-align: right; padding: 5px 8px; border-bottom: 1px solid var(--line); font-variant-numeric: tabular-nums; }
th:first-child, td:first-child { text-align: left; font-family: ui-monospace, monospace; font-size: 12px; }
th { color: var(--muted); font-weight: 500; font-size: 12px; }
td[data-alert="true"] { color: var(--warn); font-weight: 600; }
.tabs { display: inline-flex; margin-left: 8px; vertical-align: 1px; }
.tabs button { font: inherit; font-size: 12px; color: var(--muted); background: var(--panel); border: 1px solid var(--line);
  padding: 1px 8px; cursor: pointer; }
.tabs button:first-child { border-radius: 4px 0 0 4px; }
.tabs button:last-child { border-radius: 0 4px 4px 0; border-left: none; }
.tabs button[aria-pressed="true"] { color: var(--text); background: #1f3350; }
.recent { list-style: none; margin: 0; padding: 0; background: var(--panel); border-radius: 6px; max-height: 260px; overflow: auto; }
.recent li { display: grid; grid-template-columns: 64px 1fr 40px 64px 70px; gap: 6px; padding: 4px 8px;
  border-bottom: 1px solid var(--line); cursor: pointer; font-size: 12px; font-variant-numeric: tabular-nums; }
.recent li:hover { background: #222a37; }
.recent li[aria-selected="true"] { background: #1f3350; }
.recent .route { font-family: ui-monospace, monospace; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.recent .degraded { color: var(--warn); }
.recent .status[data-class="5"] { color: var(--bad); font-weight: 600; }
.waterfall { background: var(--panel); border-radius: 6px; padding: 8px 10px; }
.wf-row { display: grid; grid-template-columns: 170px 1fr; gap: 8px; align-items: center; height: 24px; }
.wf-name { font-family: ui-monospace, monospace; font-size: 12px; overflow: hidden; text-overflow: ellipsis; }
.wf-track { position: relative; height: 16px; background: #141922; border-radius: 3px; }
.wf-bar { position: absolute; top: 2px; height: 12px; min-width: 2px; border-radius: 2px; background: var(--ok); }
.wf-label { position: absolute; top: 0; font-size: 11px; line-height: 16px; color: var(--text); white-space: nowrap; padding-left: 6px; }
[data-outcome="ok"] { --c: var(--ok); } [data-outcome="cache"] { --c: var(--info); }
[data-outcome="default"] { --c: var(--violet); } [data-outcome="empty"] { --c: var(--warn); }
[data-outcome="failed"] { --c: var(--bad); } [data-outcome="skipped"] { --c: var(--grey); }
.wf-bar[data-outcome] { background: var(--c); }
.wf-axis { display: grid; grid-template-columns: 170px 1fr; gap: 8px; color: var(--muted); font-size: 11px; }
.wf-axis span:last-child { display: flex; justify-content: space-between; }
.legend { display: flex; gap: 14px; list-style: none; padding: 0; margin: 8px 0 0; color: var(--muted); font-size: 12px; }
.legend li::before { content: ""; display: inline-block; width: 10px; height: 10px; border-radius: 2px;
  background: var(--c); margin-right: 5px; vertical-align: -1px; }
`;

// The dashboard's browser script, served as is (no build step). It listens
// to `/admin/events` (server-sent events, one status document about once a
// second) and updates the page in place: a tile per upstream service, the
// routes table, the recent composite requests and the waterfall of one.
// Values are written with textContent only, never as HTML.

/** The dashboard's script. */
export const DASHBOARD_JS = `"use strict";
(() => {
  const SVG = "http://www.w3.org/2000/svg";
  const $ = (selector) => document.querySelector(selector);
  const tiles = new Map();
  /** The request shown in the waterfall when one was clicked (kept even once it leaves the lists). */
  let pinned = null;
  /** Which list is shown: the latest composites or the slowest of the last minute. */
  let view = "latest";
  let latest = null;

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  };
  const svg = (tag, attrs) => {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
    return node;
  };
  const ms = (value) => (value === null || value === undefined ? "–" : value < 10 ? value.toFixed(1) : String(Math.round(value)));
  const rate = (value) => (value < 10 ? value.toFixed(1) : String(Math.round(value)));
  const pct = (value) => (value === 0 ? "0%" : value < 10 ? value.toFixed(1) + "%" : Math.round(value) + "%");
  const bytes = (value) => (value / 1048576).toFixed(0) + " MiB";
  const sum = (values) => values.reduce((a, b) => a + b, 0);

  function tileOf(service) {
    let tile = tiles.get(service);
    if (tile) return tile;
    const root = el("article", "tile");
    root.dataset.service = service;
    const head = el("header");
    const badge = el("span", "badge", "…");
    head.append(el("h3", null, service), badge);
    const spark = svg("svg", { class: "spark", viewBox: "0 0 120 36", preserveAspectRatio: "none" });
    const bars = svg("g", { class: "errors" });
    const line = svg("path", { class: "latency" });
    spark.append(bars, line);
    const stats = el("dl", "stats");
    const fields = {};
    for (const [key, label] of [
      ["rate", "req/s"], ["errors", "errors"], ["shed", "shed"], ["inflight", "active"],
      ["p50", "p50 ms"], ["p95", "p95 ms"], ["p99", "p99 ms"], ["instances", "inst."],
    ]) {
      const cell = el("div");
      fields[key] = el("dd");
      cell.append(el("dt", null, label), fields[key]);
      stats.append(cell);
    }
    root.append(head, spark, stats);
    $("#tiles").append(root);
    tile = { root, badge, bars, line, fields };
    tiles.set(service, tile);
    return tile;
  }

  function drawSpark(tile, series) {
    const points = series.meanMs;
    const n = points.length;
    const max = Math.max(1, ...points.filter((v) => v !== null));
    const x = (i) => (n <= 1 ? 0 : (i * 120) / (n - 1));
    let d = "";
    let pen = false;
    points.forEach((v, i) => {
      if (v === null) { pen = false; return; }
      const y = 34 - (v / max) * 30;
      d += (pen ? "L" : "M") + x(i).toFixed(1) + " " + y.toFixed(1);
      pen = true;
    });
    tile.line.setAttribute("d", d);
    tile.bars.replaceChildren();
    const width = Math.max(1, 120 / Math.max(1, n));
    series.failed.forEach((failed, i) => {
      const count = series.count[i];
      if (!failed || !count) return;
      const h = Math.max(3, (failed / count) * 34);
      tile.bars.append(svg("rect", { x: Math.max(0, x(i) - width / 2).toFixed(1), y: (36 - h).toFixed(1), width: width.toFixed(1), height: h.toFixed(1) }));
    });
  }

  function renderTiles(upstreams) {
    for (const [service, up] of Object.entries(upstreams)) {
      const tile = tileOf(service);
      tile.root.dataset.state = up.circuit;
      tile.root.dataset.health = up.errorPct >= 50 ? "bad" : up.errorPct >= 10 ? "warn" : "ok";
      tile.badge.textContent = up.circuit;
      const recent = up.series.count.slice(-10);
      const f = tile.fields;
      f.rate.textContent = rate(sum(recent) / Math.max(1, recent.length));
      f.errors.textContent = pct(up.errorPct);
      f.errors.dataset.alert = String(up.errorPct >= 10);
      f.shed.textContent = String(up.shed);
      f.shed.dataset.alert = String(up.shed > 0);
      // Under ADAPTIVE_CONCURRENCY the limit of the moment shows beside the calls in flight.
      const limited = up.concurrencyLimit < up.capacity;
      f.inflight.textContent = limited ? up.inFlight + " / " + up.concurrencyLimit : String(up.inFlight);
      f.inflight.title = "calls in flight; limit " + up.concurrencyLimit + ", bulkhead size " + up.capacity +
        "; hedges sent " + up.hedges.sent + ", won " + up.hedges.won;
      f.p50.textContent = ms(up.latencyMs.p50);
      f.p95.textContent = ms(up.latencyMs.p95);
      f.p99.textContent = ms(up.latencyMs.p99);
      f.instances.textContent = String(up.instances.length);
      f.instances.title = up.instances.map((i) => i.url + "  attempts " + i.attempts + ", failed " + i.failed).join("\\n");
      drawSpark(tile, up.series);
    }
  }

  function renderRoutes(routes) {
    const body = $("#routes tbody");
    body.replaceChildren();
    if (routes.length === 0) {
      const row = el("tr");
      const cell = el("td", "note", "No requests yet.");
      cell.colSpan = 7;
      row.append(cell);
      body.append(row);
      return;
    }
    for (const r of [...routes].sort((a, b) => b.requests - a.requests)) {
      const row = el("tr");
      const degraded = el("td", null, pct(r.degradedPct));
      degraded.dataset.alert = String(r.degradedPct > 0);
      const errors = el("td", null, pct(r.errorPct));
      errors.dataset.alert = String(r.errorPct > 0);
      row.append(el("td", null, r.method + " " + r.route), el("td", null, rate(r.ratePerS)), degraded, errors,
        el("td", null, ms(r.latencyMs.p50)), el("td", null, ms(r.latencyMs.p95)), el("td", null, ms(r.latencyMs.p99)));
      body.append(row);
    }
  }

  function renderRecent(status) {
    const list = $("#recent");
    list.replaceChildren();
    const requests = (view === "slowest" ? status.slowest : status.recent) || [];
    const shown = pinned || requests[0];
    for (const r of requests.slice(0, 20)) {
      const item = el("li");
      item.setAttribute("aria-selected", String(Boolean(shown) && r.requestId === shown.requestId));
      item.dataset.requestId = r.requestId;
      const status = el("span", "status", r.status);
      status.dataset.class = String(r.status).charAt(0);
      const degradedCount = Object.keys(r.degraded).length;
      item.append(el("span", null, r.at.slice(11, 19)), el("span", "route", r.method + " " + r.route), status,
        el("span", null, ms(r.durationMs) + " ms"), el("span", "degraded", degradedCount ? degradedCount + " degraded" : ""));
      item.addEventListener("click", () => {
        pinned = pinned && pinned.requestId === r.requestId ? null : r;
        if (latest) renderRecent(latest);
      });
      list.append(item);
    }
    renderWaterfall(shown);
  }

  function renderWaterfall(request) {
    const box = $("#waterfall");
    const title = $("#waterfall-title");
    if (!request) {
      title.textContent = "";
      box.replaceChildren(el("p", "note", "No composite request yet."));
      return;
    }
    title.textContent = request.method + " " + request.route + " · " + request.status + " · " + ms(request.durationMs) +
      " ms · request " + request.requestId + " · trace " + request.traceId + " · " + (pinned ? "pinned" : view);
    const total = Math.max(1, request.durationMs, ...request.parts.map((p) => p.startMs + p.durationMs));
    const rows = [];
    for (const part of request.parts) {
      const row = el("div", "wf-row");
      row.dataset.part = part.name;
      const track = el("div", "wf-track");
      const bar = el("div", "wf-bar");
      bar.dataset.outcome = part.outcome;
      const left = (part.startMs / total) * 100;
      const width = (part.durationMs / total) * 100;
      bar.style.left = left.toFixed(2) + "%";
      bar.style.width = width.toFixed(2) + "%";
      const label = el("span", "wf-label", ms(part.durationMs) + " ms · " + part.outcome);
      label.style.left = Math.min(80, left + width).toFixed(2) + "%";
      track.append(bar, label);
      row.append(el("span", "wf-name", part.name), track);
      rows.push(row);
    }
    const axis = el("div", "wf-axis");
    const scale = el("span");
    scale.append(el("span", null, "0 ms"), el("span", null, ms(total / 2) + " ms"), el("span", null, ms(total) + " ms"));
    axis.append(el("span"), scale);
    box.replaceChildren(...rows, axis);
  }

  function renderHeader(status) {
    $("#app").textContent = status.app;
    document.title = "Portico · " + status.app;
    const ready = $("#readiness");
    ready.dataset.ready = String(status.ready);
    ready.textContent = status.shuttingDown ? "shutting down" : status.ready ? "ready" : "not ready";
    const p = status.process;
    const facts = [
      ["uptime", status.uptimeS + " s"], ["requests in flight", p.inFlightRequests],
      ["event-loop lag p99", ms(p.eventLoopLagMs.p99) + " ms"], ["heap", bytes(p.heapUsedBytes)], ["rss", bytes(p.rssBytes)],
      ["updated", status.time.slice(11, 19)],
    ];
    $("#process").replaceChildren(...facts.map(([name, value]) => {
      const cell = el("div");
      cell.append(el("dt", null, name), el("dd", null, value));
      return cell;
    }));
  }

  function render(status) {
    latest = status;
    renderHeader(status);
    renderTiles(status.upstreams);
    renderRoutes(status.routes);
    renderRecent(status);
  }

  for (const button of document.querySelectorAll("[data-view]")) {
    button.addEventListener("click", () => {
      view = button.dataset.view;
      pinned = null;
      for (const other of document.querySelectorAll("[data-view]")) {
        other.setAttribute("aria-pressed", String(other === button));
      }
      if (latest) renderRecent(latest);
    });
  }

  const connection = $("#connection");
  const setConnection = (state, text) => {
    connection.dataset.connection = state;
    connection.textContent = text;
  };
  const source = new EventSource("/admin/events");
  source.onopen = () => setConnection("live", "live");
  source.onerror = () => setConnection(source.readyState === EventSource.CLOSED ? "lost" : "connecting", "reconnecting…");
  source.onmessage = (event) => {
    setConnection("live", "live");
    try {
      render(JSON.parse(event.data));
    } catch (error) {
      console.error("dashboard: bad status event", error);
    }
  };
})();
`;

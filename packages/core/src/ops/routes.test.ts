import { sendJson as answer, type FakeUpstream, startFakeUpstream } from "@portico/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { composition } from "../compose/plan.js";
import { loadGatewayConfig } from "../config/gateway-config.js";
import { createGateway, type Gateway } from "../gateway.js";
import { json } from "../http/answer.js";
import { createGatewayApp } from "../http/gateway-app.js";
import type { AdminStatus } from "../observability/admin-status.js";
import { emptyFallback } from "../resilience/fallback-policy.js";
import { serveEdge } from "../test-support/edge-server.js";

const PRODUCT = {
  id: "p1",
  name: "Lamp",
  description: "A lamp",
  brand: "Acme",
  category: "home",
  images: [],
};

interface Harness {
  url: string;
  gateway: Gateway;
  upstream: FakeUpstream;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A gateway app on a free port, its upstreams one fake server, with one composite route. */
async function start(env: Record<string, string> = {}): Promise<Harness> {
  const upstream = await startFakeUpstream((req, res) => {
    if (req.url?.startsWith("/products/")) answer(res, 200, PRODUCT);
    else if (req.url?.startsWith("/reviews")) answer(res, 500, { error: "boom" });
    else answer(res, 404, {});
  });
  const urls = Object.fromEntries(
    [
      "CATALOG",
      "PRICING",
      "REVIEWS",
      "INVENTORY",
      "SHIPPING",
      "RECOMMENDATIONS",
      "CART",
      "ORDERS",
      "CUSTOMERS",
      "AUTH",
    ].map((name) => [`${name}_URL`, upstream.url]),
  );
  const config = loadGatewayConfig(
    { ...urls, BREAKER_MIN_REQUESTS: "2", BREAKER_OPEN_MS: "60000", ...env },
    { defaultPort: 0 },
  );
  const gateway = createGateway(config);
  const { routes, finish } = createGatewayApp({ requestDeadlineMs: 2000, gateway });
  const plan = composition<{ id: string }>()
    .part("product", { run: (ctx, { id }) => gateway.shop.product(ctx, id) })
    .part("reviews", {
      fallback: emptyFallback(null),
      run: (ctx, { id }) => gateway.shop.reviews(ctx, id, 3),
    });
  routes({
    "/things/:id": {
      get: async (exchange) => {
        const result = await plan.run(exchange.ctx, { id: String(exchange.params.id) });
        return json({ ...result.values, degraded: result.degraded });
      },
    },
  });
  const server = await serveEdge(finish());
  cleanups.push(async () => {
    await server.close();
    await gateway.close();
    await upstream.close();
  });
  return { url: server.url, gateway, upstream };
}

async function openCatalogCircuit(harness: Harness): Promise<void> {
  harness.upstream.handle((_req, res) => answer(res, 500, {}));
  for (let i = 0; i < 2; i++) await fetch(`${harness.url}/things/p1`).then((r) => r.text());
  expect(harness.gateway.clients.catalog.breaker.state).toBe("open");
}

describe("/readyz", () => {
  it("is ready, then 503 problem+json while catalog's circuit is open", async () => {
    const harness = await start();
    const ready = await fetch(`${harness.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });

    await openCatalogCircuit(harness);
    const notReady = await fetch(`${harness.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(notReady.headers.get("content-type")).toContain("application/problem+json");
    expect(notReady.headers.get("retry-after")).toBe("1");
    expect(await notReady.json()).toMatchObject({ status: 503, code: "CIRCUIT_OPEN", instance: "/readyz" });
  });

  it("is 503 once shutting down", async () => {
    const harness = await start();
    harness.gateway.observability.beginShutdown();
    const response = await fetch(`${harness.url}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ detail: "Not ready: shutting down" });
  });
});

describe("/metrics", () => {
  it("serves Prometheus text with route templates, upstream outcomes, circuit state and process metrics", async () => {
    const harness = await start();
    await fetch(`${harness.url}/things/p1`).then((r) => r.text());
    await fetch(`${harness.url}/things/p2`).then((r) => r.text());
    await fetch(`${harness.url}/no/such/path`).then((r) => r.text());
    await fetch(`${harness.url}/readyz`).then((r) => r.text());
    const response = await fetch(`${harness.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(text).toContain('portico_http_requests_total{route="/things/:id",method="GET",status="200"} 2');
    expect(text).toContain('portico_http_requests_total{route="unmatched",method="GET",status="404"} 1');
    expect(text).toContain('portico_fallbacks_total{route="/things/:id",part="reviews",kind="empty"} 2');
    expect(text).toContain('portico_upstream_calls_total{service="catalog",outcome="ok"} 2');
    expect(text).toContain('portico_upstream_calls_total{service="reviews",outcome="error"} 2');
    expect(text).toContain('portico_circuit_state{service="reviews"} 2');
    expect(text).toContain("nodejs_eventloop_lag_p99_seconds");
    expect(text).toContain("process_resident_memory_bytes");
    // Load shedding's counts.
    expect(text).toMatch(/^portico_http_in_flight 0$/m);
    expect(text).toMatch(/^portico_http_shed_total 0$/m);
    // Never a raw URL or an id, and the ops routes are not client requests.
    expect(text).not.toMatch(/\/things\/p1|\/no\/such|route="\/readyz"|route="\/metrics"/);
  });
});

describe("/admin", () => {
  it("is open without ADMIN_TOKEN", async () => {
    const harness = await start();
    expect((await fetch(`${harness.url}/admin/status`)).status).toBe(200);
  });

  it("needs Authorization: Bearer $ADMIN_TOKEN when set, else 401 problem+json", async () => {
    const harness = await start({ ADMIN_TOKEN: "s3cret-admin" });
    for (const path of ["/admin", "/admin/status", "/admin/events", "/admin/dashboard.js", "/admin/nope"]) {
      for (const authorization of [
        undefined,
        "Bearer wrong",
        "Basic s3cret-admin",
        "Bearer s3cret-admin-x",
        "s3cret-admin",
      ]) {
        const response = await fetch(`${harness.url}${path}`, {
          headers: authorization === undefined ? {} : { authorization },
        });
        expect(response.status, `${path} with ${authorization}`).toBe(401);
        expect(response.headers.get("content-type")).toContain("application/problem+json");
        expect(response.headers.get("www-authenticate")).toContain("Bearer");
        expect(await response.json()).toMatchObject({ status: 401, instance: path });
      }
    }
    const ok = await fetch(`${harness.url}/admin/status`, {
      headers: { authorization: "Bearer s3cret-admin" },
    });
    expect(ok.status).toBe(200);
    // Probes and scrapes stay open.
    expect((await fetch(`${harness.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${harness.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${harness.url}/healthz`)).status).toBe(200);
  });

  it("serves the status: per upstream over the last minute, per route, and the recent composites", async () => {
    const harness = await start();
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    await fetch(`${harness.url}/things/p1`, { headers: { traceparent } }).then((r) => r.text());
    const status = (await (await fetch(`${harness.url}/admin/status`)).json()) as AdminStatus;
    expect(status).toMatchObject({ app: "portico", ready: true, shuttingDown: false, windowS: 60 });
    expect(status.upstreams).toMatchObject({
      catalog: { circuit: "closed", calls: 1, failures: 0, errorPct: 0, inFlight: 0, capacity: 256 },
      reviews: { calls: 1, failures: 1, errorPct: 100 },
    });
    expect(status.upstreams.catalog?.instances).toEqual([
      { id: harness.upstream.url, url: harness.upstream.url, attempts: 1, failed: 0 },
    ]);
    expect(status.routes).toEqual([
      expect.objectContaining({ method: "GET", route: "/things/:id", requests: 1, degraded: 1, errors: 0 }),
    ]);
    const [recent] = status.recent;
    expect(recent).toMatchObject({
      route: "/things/:id",
      status: 200,
      traceId: "0af7651916cd43dd8448eb211c80319c",
      degraded: { reviews: "empty" },
    });
    expect(recent?.parts).toEqual([
      expect.objectContaining({ name: "product", outcome: "ok" }),
      expect.objectContaining({ name: "reviews", outcome: "empty" }),
    ]);
  });

  it("keeps the parts of a composite whose required part failed", async () => {
    const harness = await start();
    harness.upstream.handle((_req, res) => answer(res, 500, {}));
    expect((await fetch(`${harness.url}/things/p1`)).status).toBe(502);
    const status = harness.gateway.observability.status();
    expect(status.recent[0]).toMatchObject({ status: 502 });
    expect(status.recent[0]?.parts).toContainEqual(
      expect.objectContaining({ name: "product", outcome: "failed" }),
    );
  });

  it("pushes the status over server-sent events about once a second, and ends the stream on shutdown", async () => {
    const harness = await start();
    const response = await fetch(`${harness.url}/admin/events`);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    const started = performance.now();
    while ((text.match(/^data: /gm) ?? []).length < 2) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThan(700);
    expect(elapsed).toBeLessThan(2500);
    const first = text.split("\n").find((line) => line.startsWith("data: ")) ?? "";
    expect(JSON.parse(first.slice(6))).toMatchObject({
      app: "portico",
      upstreams: { catalog: { circuit: "closed" } },
    });

    harness.gateway.observability.beginShutdown();
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
    }
  });

  it("serves the dashboard page, its styles and its script", async () => {
    const harness = await start();
    const page = await fetch(`${harness.url}/admin`);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    expect(html).toContain('<script src="/admin/dashboard.js"');
    const css = await fetch(`${harness.url}/admin/dashboard.css`);
    expect(css.headers.get("content-type")).toContain("text/css");
    const js = await fetch(`${harness.url}/admin/dashboard.js`);
    expect(js.headers.get("content-type")).toContain("javascript");
    const source = await js.text();
    // It parses as a script (compiled, not run).
    expect(() => new Function(source)).not.toThrow();
    expect(source).toContain('new EventSource("/admin/events")');
  });
});

import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryStore } from "../cache/memory-store.js";
import { combineObservers, type UpstreamObserver } from "../client/upstream-observer.js";
import { composition } from "../compose/plan.js";
import { loadGatewayConfig } from "../config/gateway-config.js";
import { SERVICE_NAMES } from "../config/services.js";
import { UpstreamStatusError } from "../errors/index.js";
import { createGateway } from "../gateway.js";
import { json } from "../http/answer.js";
import { createGatewayApp } from "../http/gateway-app.js";
import { lastKnownGoodFallback, staticFallback } from "../resilience/fallback-policy.js";
import { lastKnownPriceFallback, nullIfNotFound } from "../services/shop-parts.js";
import { serveEdge } from "../test-support/edge-server.js";
import { GatewayMetrics } from "./gateway-metrics.js";
import { GatewayObservability } from "./gateway-observability.js";

// Contract 2.5: /metrics exports the hits and misses of the fresh cache and
// of the last-known-good store from start-up, zero-valued, per service.

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The value of the sample with exactly these labels (in any order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(line.indexOf("{") + 1, line.lastIndexOf("}"));
    const found = Object.fromEntries([...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (
      Object.keys(found).length === Object.keys(labels).length &&
      Object.entries(labels).every(([key, value]) => found[key] === value)
    ) {
      return Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return undefined;
}

/** Lets a fire-and-forget write to a store land. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

function memoryStore(): MemoryStore {
  const store = new MemoryStore();
  cleanups.push(() => store.close());
  return store;
}

const PRODUCT = {
  id: "p1",
  name: "Lamp",
  description: "A lamp",
  brand: "Acme",
  category: "home",
  images: [],
};
const PRICE = { productId: "p1", amount: 1999, currency: "EUR", listAmount: 2499 };

describe("cache series from start-up", () => {
  it("prints every service's hits and misses, fresh and lkg, at zero before any lookup", async () => {
    const metrics = new GatewayMetrics({ services: SERVICE_NAMES, processMetrics: false });
    const text = await metrics.text();
    expect(text).toContain('portico_cache_hits_total{service="catalog",store="fresh"} 0');
    expect(text).toContain('portico_cache_hits_total{service="catalog",store="lkg"} 0');
    for (const service of SERVICE_NAMES) {
      for (const store of ["fresh", "lkg"]) {
        expect(text, `${service} ${store}`).toContain(
          `portico_cache_hits_total{service="${service}",store="${store}"} 0`,
        );
        expect(text, `${service} ${store}`).toContain(
          `portico_cache_misses_total{service="${service}",store="${store}"} 0`,
        );
      }
    }
    // No series without the store label.
    expect(text).not.toMatch(/^portico_cache_(hits|misses)_total\{service="[a-z]+"\}/m);
  });

  it("does so through GatewayObservability, which counts lookups by service and store", async () => {
    const obs = new GatewayObservability({ processMetrics: false });
    cleanups.push(async () => obs.close());
    expect(await obs.metrics.text()).toContain('portico_cache_misses_total{service="pricing",store="lkg"} 0');
    obs.observer.cacheLookup?.("catalog", true, "fresh");
    obs.observer.cacheLookup?.("pricing", true, "lkg");
    obs.observer.cacheLookup?.("pricing", false, "lkg");
    obs.observer.cacheLookup?.("pricing", false, "lkg");
    const text = await obs.metrics.text();
    expect(sample(text, "portico_cache_hits_total", { service: "catalog", store: "fresh" })).toBe(1);
    expect(sample(text, "portico_cache_hits_total", { service: "catalog", store: "lkg" })).toBe(0);
    expect(sample(text, "portico_cache_hits_total", { service: "pricing", store: "lkg" })).toBe(1);
    expect(sample(text, "portico_cache_misses_total", { service: "pricing", store: "lkg" })).toBe(2);
    expect(sample(text, "portico_cache_misses_total", { service: "pricing", store: "fresh" })).toBe(0);
  });

  it("passes the store kind through combineObservers", () => {
    const seen: unknown[][] = [];
    const recorder: UpstreamObserver = { cacheLookup: (...args) => void seen.push(args) };
    combineObservers({}, recorder).cacheLookup?.("pricing", true, "lkg");
    expect(seen).toEqual([["pricing", true, "lkg"]]);
  });
});

describe("the last-known-good store's lookups", () => {
  const failing = () => Promise.reject(new UpstreamStatusError("pricing", 500));

  it("are reported only when the call failed: a hit when a remembered value is served, else a miss", async () => {
    const store = memoryStore();
    const lookups: boolean[] = [];
    const policy = lastKnownGoodFallback<number>({
      store,
      prefix: "lkg:n",
      ttlS: 60,
      orElse: staticFallback(0),
      onLookup: (hit) => lookups.push(hit),
    });
    await expect(policy.execute(async () => 7, "a")).resolves.toEqual({ value: 7 });
    await flush();
    expect(lookups).toEqual([]);
    await expect(policy.execute(failing, "a")).resolves.toEqual({ value: 7, degraded: "cache" });
    await expect(policy.execute(failing, "b")).resolves.toEqual({ value: 0, degraded: "default" });
    expect(lookups).toEqual([true, false]);
  });

  it("count a store that fails as a miss", async () => {
    const lookups: boolean[] = [];
    const broken = memoryStore();
    broken.get = () => Promise.reject(new Error("store down"));
    const policy = lastKnownGoodFallback<number>({
      store: broken,
      prefix: "lkg:n",
      ttlS: 60,
      orElse: staticFallback(0),
      onLookup: (hit) => lookups.push(hit),
    });
    await expect(policy.execute(failing, "a")).resolves.toEqual({ value: 0, degraded: "default" });
    expect(lookups).toEqual([false]);
  });

  it("of the price are pricing's lkg lookups for the observer passed to lastKnownPriceFallback", async () => {
    const obs = new GatewayObservability({ processMetrics: false });
    cleanups.push(async () => obs.close());
    const fallback = lastKnownPriceFallback({
      lastKnownGood: memoryStore(),
      cacheStaleTtlS: 60,
      observer: obs.observer,
    });
    await fallback.execute(async () => PRICE, "p1");
    await flush();
    await expect(fallback.execute(failing, "p1")).resolves.toEqual({ value: PRICE, degraded: "cache" });
    await expect(fallback.execute(failing, "p2")).resolves.toEqual({ value: null, degraded: "empty" });
    const text = await obs.metrics.text();
    expect(sample(text, "portico_cache_hits_total", { service: "pricing", store: "lkg" })).toBe(1);
    expect(sample(text, "portico_cache_misses_total", { service: "pricing", store: "lkg" })).toBe(1);
    expect(sample(text, "portico_cache_hits_total", { service: "pricing", store: "fresh" })).toBe(0);
  });
});

describe("/metrics of a gateway app", () => {
  /**
   * A gateway app over one fake upstream, with catalog's fresh cache on and
   * a route of two parts: the product (fresh-cached) and its price (with the
   * last known price as fallback, told to the gateway's observer).
   */
  async function start() {
    let pricingUp = true;
    const upstream: Server = createServer((req, res) => {
      if (req.url === "/products/p1") return answer(res, 200, PRODUCT);
      if (req.url === "/prices/p1" && pricingUp) return answer(res, 200, PRICE);
      return answer(res, req.url?.startsWith("/prices/") ? 500 : 404, {});
    });
    upstream.listen(0, "127.0.0.1");
    await new Promise((resolve) => upstream.once("listening", resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const config = loadGatewayConfig(
      { CATALOG_URL: upstreamUrl, PRICING_URL: upstreamUrl, CATALOG_CACHE_TTL_S: "300" },
      { defaultPort: 0 },
    );
    const gateway = createGateway(config, {
      observability: new GatewayObservability({ processMetrics: false }),
    });
    const { routes, finish } = createGatewayApp({ requestDeadlineMs: 2_000, gateway });
    const plan = composition<{ id: string }>()
      .part("product", { run: (ctx, { id }) => gateway.shop.product(ctx, id) })
      .part("price", {
        fallback: lastKnownPriceFallback({
          lastKnownGood: gateway.lastKnownGood,
          cacheStaleTtlS: config.cacheStaleTtlS,
          observer: gateway.observer,
        }),
        key: ({ id }) => id,
        run: (ctx, { id }) => nullIfNotFound(gateway.shop.price(ctx, id)),
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
    const url = server.url;
    cleanups.push(async () => {
      await server.close();
      await gateway.close();
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));
    });
    return {
      url,
      stopPricing: () => {
        pricingUp = false;
      },
      metrics: async () => (await fetch(`${url}/metrics`)).text(),
    };
  }

  it("has every cache series at zero from start-up, then counts fresh and lkg hits and misses", async () => {
    const harness = await start();
    const before = await harness.metrics();
    for (const service of SERVICE_NAMES) {
      for (const store of ["fresh", "lkg"]) {
        expect(sample(before, "portico_cache_hits_total", { service, store }), `${service} ${store}`).toBe(0);
        expect(sample(before, "portico_cache_misses_total", { service, store }), `${service} ${store}`).toBe(
          0,
        );
      }
    }

    // Fresh answers: the product is a fresh-cache miss, then a hit; the price is remembered.
    for (let i = 0; i < 2; i++) {
      const body = (await (await fetch(`${harness.url}/things/p1`)).json()) as Record<string, unknown>;
      expect(body).toMatchObject({ price: PRICE, degraded: {} });
    }
    await flush();
    let text = await harness.metrics();
    expect(sample(text, "portico_cache_misses_total", { service: "catalog", store: "fresh" })).toBe(1);
    expect(sample(text, "portico_cache_hits_total", { service: "catalog", store: "fresh" })).toBe(1);
    // A fresh answer does not read the last-known-good store.
    expect(sample(text, "portico_cache_hits_total", { service: "pricing", store: "lkg" })).toBe(0);
    expect(sample(text, "portico_cache_misses_total", { service: "pricing", store: "lkg" })).toBe(0);

    // Pricing fails: the last known price of p1 is served, an lkg hit.
    harness.stopPricing();
    const served = (await (await fetch(`${harness.url}/things/p1`)).json()) as Record<string, unknown>;
    expect(served).toMatchObject({ price: PRICE, degraded: { price: "cache" } });
    text = await harness.metrics();
    expect(sample(text, "portico_cache_hits_total", { service: "pricing", store: "lkg" })).toBe(1);
    expect(sample(text, "portico_cache_misses_total", { service: "pricing", store: "lkg" })).toBe(0);
    expect(sample(text, "portico_cache_hits_total", { service: "catalog", store: "fresh" })).toBe(2);
    expect(sample(text, "portico_cache_hits_total", { service: "catalog", store: "lkg" })).toBe(0);
    expect(sample(text, "portico_cache_hits_total", { service: "pricing", store: "fresh" })).toBe(0);
  });
});

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem } from "../support/problem.js";
import {
  clearFaults,
  type DemoShop,
  injectFault,
  type RunningBff,
  SERVICE_NAMES,
  startBff,
  startDemoShop,
} from "../support/processes.js";
import { sampleValue, scrape } from "./prometheus.js";

// Contract 6 (405 with `Allow` on the ops routes too) and 2.5 (the cache
// series of both stores from start-up), on each BFF's real process.

const ADMIN_TOKEN = `admin-${process.pid}-${Date.now()}`;
const PARTNER = { "x-api-key": "demo-partner-key" };

let shop: DemoShop;
const bffs: { name: string; bff: RunningBff; product: string; headers: Record<string, string> }[] = [];

beforeAll(async () => {
  shop = await startDemoShop();
  const routes = [
    ["mobile-bff", "/productdetails/p1", {}],
    ["web-bff", "/api/product-page/p1", {}],
    ["partner-bff", "/v1/products/p1", PARTNER],
  ] as const;
  for (const [name, product, headers] of routes) {
    bffs.push({ name, bff: await startBff(name, { ...shop.env, ADMIN_TOKEN }), product, headers });
  }
});

afterAll(async () => {
  for (const { bff } of bffs) await bff.stop();
  await shop?.stop();
});

async function expectMethodNotAllowed(response: Response, path: string): Promise<void> {
  expect(response.headers.get("allow"), path).toBe("GET, HEAD");
  await expectProblem(response, 405, path);
}

describe("ops routes on every BFF", () => {
  it("answer a method they do not serve with 405 problem+json and Allow: GET, HEAD (the admin guard first)", async () => {
    for (const { bff } of bffs) {
      await expectMethodNotAllowed(await fetch(`${bff.url}/healthz`, { method: "POST" }), "/healthz");
      await expectMethodNotAllowed(await fetch(`${bff.url}/metrics`, { method: "PUT" }), "/metrics");
      await expectMethodNotAllowed(await fetch(`${bff.url}/readyz`, { method: "DELETE" }), "/readyz");
      // Without the token the guard answers first; with it, the route table.
      await expectProblem(await fetch(`${bff.url}/admin/status`, { method: "POST" }), 401, "/admin/status");
      await expectMethodNotAllowed(
        await fetch(`${bff.url}/admin/status`, {
          method: "POST",
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        }),
        "/admin/status",
      );
    }
  });
});

describe("cache series on every BFF", () => {
  it("are zero for every service and both stores from start-up, and count the last known price served", async () => {
    for (const { name, bff } of bffs) {
      const samples = await scrape(bff.url);
      for (const service of SERVICE_NAMES) {
        for (const store of ["fresh", "lkg"]) {
          for (const metric of ["portico_cache_hits_total", "portico_cache_misses_total"]) {
            expect(
              sampleValue(samples, metric, { service, store }),
              `${name} ${metric} ${service} ${store}`,
            ).toBe(0);
          }
        }
      }
    }

    // A fresh price is remembered; with pricing failing it is served from the last-known-good store.
    for (const { bff, product, headers } of bffs) {
      const response = await fetch(`${bff.url}${product}`, { headers });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    await injectFault(shop, "pricing", { mode: "error", status: 500 });
    try {
      for (const { name, bff, product, headers } of bffs) {
        const response = await fetch(`${bff.url}${product}`, { headers });
        expect(response.status, name).toBe(200);
        await response.arrayBuffer();
        const samples = await scrape(bff.url);
        const lkg = (metric: string) => sampleValue(samples, metric, { service: "pricing", store: "lkg" });
        expect(lkg("portico_cache_hits_total"), name).toBe(1);
        expect(lkg("portico_cache_misses_total"), name).toBe(0);
      }
    } finally {
      await clearFaults(shop);
    }
  });
});

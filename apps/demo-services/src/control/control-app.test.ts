import { SERVICE_NAMES } from "@portico/core";
import { eventually } from "@portico/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type DemoServices, startDemoServices } from "../start-demo-services.js";
import type { InventoryChanged, PriceChanged } from "../store/demo-events.js";
import { errorCode, fetchJson, postJson, rawGet } from "../test-support/http.js";

let demo: DemoServices;
let control: string;

beforeAll(async () => {
  demo = await startDemoServices({ recordLimit: 5 });
  control = demo.controlUrl;
});

afterEach(async () => {
  await fetch(`${control}/_faults`, { method: "DELETE" });
  await fetch(`${control}/_requests`, { method: "DELETE" });
  await fetch(`${control}/_admin/reset`, { method: "POST" });
});

afterAll(async () => {
  await demo.close();
});

const del = (url: string) => fetch(url, { method: "DELETE" });

describe("control server: faults", () => {
  it("lists every service's fault", async () => {
    const res = await fetchJson<Record<string, unknown>>(`${control}/_faults`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual([...SERVICE_NAMES]);
    expect(Object.values(res.body).every((f) => f === null)).toBe(true);
  });

  it("sets, shows and clears one service's fault", async () => {
    expect((await postJson(`${control}/_faults/reviews`, { mode: "error", status: 504 })).status).toBe(204);
    expect((await fetchJson(`${control}/_faults/reviews`)).body).toEqual({
      service: "reviews",
      fault: { mode: "error", status: 504, rate: 1 },
    });
    expect((await fetchJson(`${demo.url("reviews")}/reviews?productId=p1`)).status).toBe(504);
    expect((await del(`${control}/_faults/reviews`)).status).toBe(204);
    expect((await fetchJson(`${demo.url("reviews")}/reviews?productId=p1`)).status).toBe(200);
  });

  it("clears every fault at once, reopening refused ports", async () => {
    await postJson(`${control}/_faults/catalog`, { mode: "refuse" });
    await postJson(`${control}/_faults/pricing`, { mode: "hang" });
    await expect(rawGet(`${demo.url("catalog")}/health`)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect((await del(`${control}/_faults`)).status).toBe(204);
    expect((await fetchJson(`${demo.url("catalog")}/health`)).status).toBe(200);
    expect((await fetchJson(`${demo.url("pricing")}/health`)).status).toBe(200);
  });

  it("rejects an invalid fault with 400 and an unknown service with 404", async () => {
    const bad = await postJson(`${control}/_faults/catalog`, { mode: "delay" });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: "bad_request" });
    const unknown = await postJson(`${control}/_faults/payments`, { mode: "hang" });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: "unknown_service" });
    expect((await fetchJson(`${control}/_faults/payments`)).status).toBe(404);
  });

  it("answers 400 JSON for a body that is not JSON", async () => {
    const res = await fetchJson(`${control}/_faults/catalog`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{",
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: "bad_request" });
  });

  it("answers its own health with the service URLs", async () => {
    const res = await fetchJson<{ services: Record<string, string> }>(`${control}/health`);
    expect(res.body).toMatchObject({ status: "ok", service: "control" });
    expect(res.body.services).toEqual(demo.urls);
  });
});

describe("control server: request log", () => {
  it("records what each service received, oldest first", async () => {
    await fetch(`${demo.url("catalog")}/products?ids=p1,p2`, {
      headers: {
        "x-request-id": "req-123",
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      },
    });
    await fetch(`${demo.url("catalog")}/products/p9`);
    await fetch(`${demo.url("pricing")}/prices/p1`);
    const res = await fetchJson<{ items: unknown[] }>(`${control}/_requests?service=catalog`);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      {
        service: "catalog",
        method: "GET",
        path: "/products",
        query: "ids=p1,p2",
        requestId: "req-123",
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        idempotencyKey: null,
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      },
      expect.objectContaining({ path: "/products/p9", query: "", requestId: null, traceparent: null }),
    ]);
    const all = await fetchJson<{ items: { service: string }[] }>(`${control}/_requests`);
    expect(all.body.items.map((r) => r.service)).toEqual(["catalog", "catalog", "pricing"]);
  });

  it("records faulted requests but not /health or /_faults", async () => {
    await fetch(`${demo.url("cart")}/health`);
    await fetch(`${demo.url("cart")}/_faults`);
    await postJson(`${demo.url("cart")}/_faults`, { mode: "error" });
    await fetch(`${demo.url("cart")}/carts/c1`);
    const res = await fetchJson<{ items: { path: string }[] }>(`${control}/_requests?service=cart`);
    expect(res.body.items.map((r) => r.path)).toEqual(["/carts/c1"]);
  });

  it("keeps only the newest requests per service", async () => {
    for (let i = 1; i <= 7; i++) await fetch(`${demo.url("inventory")}/stock/p${i}`);
    const res = await fetchJson<{ items: { path: string }[] }>(`${control}/_requests?service=inventory`);
    expect(res.body.items.map((r) => r.path)).toEqual([
      "/stock/p3",
      "/stock/p4",
      "/stock/p5",
      "/stock/p6",
      "/stock/p7",
    ]);
  });

  it("clears the log", async () => {
    await fetch(`${demo.url("orders")}/orders?customerId=c1`);
    expect((await del(`${control}/_requests`)).status).toBe(204);
    expect((await fetchJson(`${control}/_requests`)).body).toEqual({ items: [] });
  });

  it("rejects an unknown service filter", async () => {
    expect((await fetchJson(`${control}/_requests?service=nope`)).status).toBe(400);
  });
});

describe("control server: stats", () => {
  it("counts requests, in-flight ones and ones the client abandoned", async () => {
    expect((await del(`${control}/_stats`)).status).toBe(204);
    await postJson(`${control}/_faults/shipping`, { mode: "hang" });
    const hung = rawGet(`${demo.url("shipping")}/quotes?productId=p1`, { timeoutMs: 150 }).catch(
      (e: unknown) => e,
    );
    await eventually(async () => {
      const stats = await fetchJson<{ inFlight: number }>(`${control}/_stats/shipping`);
      return stats.body.inFlight === 1;
    }, 2_000);
    expect(errorCode(await hung)).toBe("TEST_TIMEOUT");
    await eventually(async () => {
      const stats = await fetchJson<Record<string, { closedByClient: number }>>(`${control}/_stats`);
      return stats.body.shipping?.closedByClient === 1;
    }, 2_000);
    const all = await fetchJson<Record<string, unknown>>(`${control}/_stats`);
    expect(all.body.shipping).toEqual({ inFlight: 0, total: 1, closedByClient: 1 });
    expect(Object.keys(all.body)).toEqual([...SERVICE_NAMES]);
  });

  it("answers 404 for an unknown service", async () => {
    expect((await fetchJson(`${control}/_stats/nope`)).status).toBe(404);
  });
});

describe("control server: admin data changes", () => {
  it("changes stock and emits inventory.changed", async () => {
    const seen: InventoryChanged[] = [];
    demo.events.on("inventory.changed", (e) => seen.push(e));
    const res = await postJson(`${control}/_admin/stock/p1`, { available: 0 });
    expect(res).toMatchObject({ status: 200, body: { productId: "p1", available: 0 } });
    expect((await fetchJson(`${demo.url("inventory")}/stock/p1`)).body).toEqual({
      productId: "p1",
      available: 0,
    });
    expect(seen).toEqual([{ productId: "p1", available: 0 }]);
  });

  it("changes a price and emits price.changed", async () => {
    const seen: PriceChanged[] = [];
    demo.events.on("price.changed", (e) => seen.push(e));
    const res = await postJson(`${control}/_admin/prices/p1`, { amount: 2999 });
    expect(res.status).toBe(200);
    // Above the old list price, so the list price rises with it.
    expect((await fetchJson(`${demo.url("pricing")}/prices/p1`)).body).toEqual({
      productId: "p1",
      amount: 2999,
      currency: "USD",
      listAmount: 2999,
    });
    expect(seen).toEqual([{ productId: "p1", amount: 2999, currency: "USD" }]);
  });

  it("resets data to the seed", async () => {
    await postJson(`${control}/_admin/stock/p2`, { available: 1 });
    expect((await fetch(`${control}/_admin/reset`, { method: "POST" })).status).toBe(204);
    expect((await fetchJson(`${demo.url("inventory")}/stock/p2`)).body).toEqual({
      productId: "p2",
      available: 42,
    });
  });

  it("answers 404 for an unknown product and 400 for a bad body", async () => {
    expect((await postJson(`${control}/_admin/stock/p99`, { available: 1 })).status).toBe(404);
    expect((await postJson(`${control}/_admin/prices/p99`, { amount: 1 })).status).toBe(404);
    expect((await postJson(`${control}/_admin/stock/p1`, { available: -1 })).status).toBe(400);
    expect((await postJson(`${control}/_admin/prices/p1`, { amount: 9.5 })).status).toBe(400);
  });
});

describe("a subset of services", () => {
  it("runs only the services asked for", async () => {
    const subset = await startDemoServices({ services: ["pricing", "catalog"] });
    try {
      expect(Object.keys(subset.urls)).toEqual(["catalog", "pricing"]);
      expect(() => subset.url("auth")).toThrow(/not running/);
      expect((await postJson(`${subset.controlUrl}/_faults/auth`, { mode: "hang" })).status).toBe(404);
      expect(Object.keys((await fetchJson<object>(`${subset.controlUrl}/_faults`)).body)).toEqual([
        "catalog",
        "pricing",
      ]);
    } finally {
      await subset.close();
    }
  });

  it("fails to start with EADDRINUSE when a port is taken", async () => {
    const port = Number(new URL(demo.url("catalog")).port);
    await expect(
      startDemoServices({ services: ["catalog", "pricing"], ports: { catalog: port } }),
    ).rejects.toMatchObject({
      code: "EADDRINUSE",
    });
  });
});

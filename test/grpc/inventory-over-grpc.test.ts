import {
  BROKER_URL,
  deleteBrokerNames,
  eventually,
  requireBroker,
  uniqueBrokerNames,
} from "@portico/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clearRecordedRequests,
  injectFault,
  type RecordedRequest,
  type RunningBff,
  recordedRequests,
  serviceStats,
} from "../support/processes.js";
import { useStack } from "../support/stack.js";

// Inventory over gRPC (contract section 3), through real BFF processes and
// the demo shop's gRPC face on loopback.

const TIMEOUT_MS = 400;
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const GRPC = { INVENTORY_TRANSPORT: "grpc" };
const GET_STOCK = "/portico.shop.v1.Inventory/GetStock";
const BATCH_GET_STOCK = "/portico.shop.v1.Inventory/BatchGetStock";

interface Details {
  inventory: { available: number; lowStock: boolean } | null;
  shipping: unknown[];
  degraded: Record<string, string>;
  [part: string]: unknown;
}

async function details(bff: RunningBff, id: string, requestId?: string) {
  const started = performance.now();
  const response = await fetch(`${bff.url}/productdetails/${id}`, {
    headers: {
      traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
      ...(requestId === undefined ? {} : { "x-request-id": requestId }),
    },
  });
  const body = (await response.json()) as Details;
  return { status: response.status, body, headers: response.headers, ms: performance.now() - started };
}

/** What `/admin/status` says of inventory. */
async function inventoryStatus(bff: RunningBff) {
  const status = (await (await fetch(`${bff.url}/admin/status`)).json()) as {
    upstreams: Record<string, { instances: { id: string; url: string }[]; calls: number; failures: number }>;
  };
  return status.upstreams.inventory;
}

const mine = (requests: RecordedRequest[], requestId: string) =>
  requests.filter((request) => request.requestId === requestId);

describe("inventory over gRPC, end to end", () => {
  const stack = useStack({
    shopEnv: GRPC,
    bffEnv: { BREAKER_MIN_REQUESTS: "1000", INVENTORY_TIMEOUT_MS: String(TIMEOUT_MS) },
    bffs: {
      mobile: { app: "mobile-bff", env: GRPC },
      overHttp: { app: "mobile-bff" },
      web: { app: "web-bff", env: GRPC },
      partner: { app: "partner-bff", env: GRPC },
    },
    clearFaults: true,
  });

  it("answers every product's inventory as over HTTP, over GetStock, with the request id and trace", async () => {
    // The first call opens the gRPC channel (connect, HTTP/2 handshake): on CI's two loaded cores
    // that once took past this suite's 400 ms inventory timeout. This test compares answers, so
    // the channel is opened first; the timeout itself is tested below.
    await details(stack.bffs.mobile, "p2", "grpc-warm-up");
    for (const id of ["p1", "p3", "p4", "p7"]) {
      const [viaGrpc, viaHttp] = await Promise.all([
        details(stack.bffs.mobile, id, `grpc-ok-${id}`),
        details(stack.bffs.overHttp, id),
      ]);
      expect(viaGrpc.status).toBe(200);
      expect(viaGrpc.body.degraded).toEqual({});
      expect(viaGrpc.body.inventory).not.toBeNull();
      expect(viaGrpc.body.inventory).toEqual(viaHttp.body.inventory);
      expect(viaGrpc.headers.get("server-timing")).toMatch(/(^|, )inventory;dur=\d+(\.\d+)?/);
    }
    const seen = mine(await recordedRequests(stack.shop, "inventory"), "grpc-ok-p3");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: "GRPC", path: GET_STOCK, query: "productId=p3" });
    // The upstream call continues the client's trace.
    expect(seen[0]?.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
  });

  it("serves web-bff's product page and partner's product from gRPC inventory too", async () => {
    const page = (await (await fetch(`${stack.bffs.web.url}/api/product-page/p1`)).json()) as Details;
    expect(page.degraded).toEqual({});
    expect(page.inventory).toEqual({ available: 3, lowStock: true });
    const partner = await fetch(`${stack.bffs.partner.url}/v1/products/p2`, {
      headers: { "x-api-key": "demo-partner-key" },
    });
    expect(await partner.json()).toMatchObject({ availability: "in_stock", degraded: {} });
  });

  it("makes partner's product list one BatchGetStock call", async () => {
    await clearRecordedRequests(stack.shop);
    const response = await fetch(`${stack.bffs.partner.url}/v1/products?ids=p1,p2,p3,nope`, {
      headers: { "x-api-key": "demo-partner-key", "x-request-id": "grpc-batch-1" },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      items: { id: string; availability: string }[];
      missing: string[];
      degraded: Record<string, string>;
    };
    expect(body.items.map((item) => [item.id, item.availability])).toEqual([
      ["p1", "low_stock"],
      ["p2", "in_stock"],
      ["p3", "out_of_stock"],
    ]);
    expect(body.missing).toEqual(["nope"]);
    expect(body.degraded).toEqual({});
    const calls = mine(await recordedRequests(stack.shop, "inventory"), "grpc-batch-1");
    expect(calls).toEqual([
      expect.objectContaining({
        method: "GRPC",
        path: BATCH_GET_STOCK,
        query: "productIds=p1%2Cp2%2Cp3%2Cnope",
      }),
    ]);
  });

  it("degrades every item's availability when partner's one BatchGetStock fails", async () => {
    await injectFault(stack.shop, "inventory", { mode: "error", status: 500 });
    const response = await fetch(`${stack.bffs.partner.url}/v1/products?ids=p1,p2`, {
      headers: { "x-api-key": "demo-partner-key" },
    });
    const body = (await response.json()) as {
      items: { availability: string; degraded: Record<string, string> }[];
      degraded: Record<string, string>;
    };
    expect(response.status).toBe(200);
    expect(body.items.map((item) => [item.availability, item.degraded])).toEqual([
      ["unknown", { availability: "empty" }],
      ["unknown", { availability: "empty" }],
    ]);
    expect(body.degraded).toEqual({ availability: "empty" });
  });

  it("lists the gRPC address as inventory's instance on /admin/status", async () => {
    await details(stack.bffs.mobile, "p1");
    const status = await inventoryStatus(stack.bffs.mobile);
    expect(status?.instances.map((instance) => instance.url)).toEqual([stack.shop.grpc.inventory]);
  });

  it("falls back to inventory: null within its timeout when inventory is slower, and cancels the call", async () => {
    await injectFault(stack.shop, "inventory", { mode: "delay", ms: 3000 });
    const before = await serviceStats(stack.shop, "inventory");
    const { status, body, ms } = await details(stack.bffs.mobile, "p5");
    expect(status).toBe(200);
    expect(body.inventory).toBeNull();
    expect(body.degraded).toEqual({ inventory: "empty" });
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 10);
    expect(ms).toBeLessThan(TIMEOUT_MS + 600);
    // The service saw the call end at the timeout (cancelled or past its gRPC deadline), not 3 s later.
    await eventually(
      async () => (await serviceStats(stack.shop, "inventory")).closedByClient === before.closedByClient + 1,
      { timeoutMs: 2000, intervalMs: 25 },
    );
  });

  it("falls back at once when inventory's gRPC port refuses, and recovers when it listens again", async () => {
    await injectFault(stack.shop, "inventory", { mode: "refuse" });
    const { status, body, ms } = await details(stack.bffs.mobile, "p6");
    expect(status).toBe(200);
    expect(body).toMatchObject({ inventory: null, degraded: { inventory: "empty" } });
    // Refused is not a timeout: no waiting for INVENTORY_TIMEOUT_MS.
    expect(ms).toBeLessThan(TIMEOUT_MS);
    const failures = (await inventoryStatus(stack.bffs.mobile))?.failures ?? 0;
    expect(failures).toBeGreaterThan(0);
    await fetch(`${stack.shop.control}/_faults`, { method: "DELETE" });
    await eventually(async () => (await details(stack.bffs.mobile, "p6")).body.inventory !== null, {
      timeoutMs: 5000,
      intervalMs: 100,
    });
  });

  it("takes NOT_FOUND as no record: inventory: null and availability unknown, with no degraded entry", async () => {
    await injectFault(stack.shop, "inventory", { mode: "error", status: 404, paths: ["/stock/p2"] });
    const { status, body } = await details(stack.bffs.mobile, "p2");
    expect(status).toBe(200);
    expect(body.inventory).toBeNull();
    expect(body.degraded).toEqual({});
    const partner = await fetch(`${stack.bffs.partner.url}/v1/products/p2`, {
      headers: { "x-api-key": "demo-partner-key" },
    });
    expect(await partner.json()).toMatchObject({ availability: "unknown", degraded: {} });
  });

  it("counts a message it cannot decode as a failure of inventory, like malformed JSON", async () => {
    const before = (await inventoryStatus(stack.bffs.mobile))?.failures ?? 0;
    await injectFault(stack.shop, "inventory", { mode: "malformed" });
    const { status, body } = await details(stack.bffs.mobile, "p8", "grpc-malformed-1");
    expect(status).toBe(200);
    expect(body).toMatchObject({ inventory: null, degraded: { inventory: "empty" } });
    expect((await inventoryStatus(stack.bffs.mobile))?.failures).toBe(before + 1);
    // Not retried: one call reached the service.
    expect(mine(await recordedRequests(stack.shop, "inventory"), "grpc-malformed-1")).toHaveLength(1);
  });

  it("retries UNAVAILABLE (a 503 on the demo) but not INTERNAL (a 500)", async () => {
    await injectFault(stack.shop, "inventory", { mode: "error", status: 503 });
    const unavailable = await details(stack.bffs.mobile, "p9", "grpc-unavailable-1");
    expect(unavailable.body.degraded).toEqual({ inventory: "empty" });
    const retried = mine(await recordedRequests(stack.shop, "inventory"), "grpc-unavailable-1");
    expect(retried.length).toBeGreaterThan(1);

    await injectFault(stack.shop, "inventory", { mode: "error", status: 500 });
    const internal = await details(stack.bffs.mobile, "p9", "grpc-internal-1");
    expect(internal.body.degraded).toEqual({ inventory: "empty" });
    expect(mine(await recordedRequests(stack.shop, "inventory"), "grpc-internal-1")).toHaveLength(1);
  });

  it.each([
    ["hang", { mode: "hang" }],
    ["reset", { mode: "reset" }],
    ["wrong shape", { mode: "wrong-shape" }],
    ["UNAVAILABLE", { mode: "error", status: 503 }],
    ["INTERNAL", { mode: "error", status: 500 }],
  ])("degrades inventory alone when it fails by %s, within the deadline", async (_name, fault) => {
    await injectFault(stack.shop, "inventory", fault);
    const { status, body, ms } = await details(stack.bffs.mobile, "p10");
    expect(status).toBe(200);
    expect(body.inventory).toBeNull();
    expect(body.degraded).toEqual({ inventory: "empty" });
    expect(ms).toBeLessThan(TIMEOUT_MS + 600);
  });
});

describe("a composite over HTTP, AMQP and gRPC at once", () => {
  const names = uniqueBrokerNames();
  const env = { ...GRPC, AMQP_URL: BROKER_URL, SHIPPING_TRANSPORT: "amqp", ...names.env };

  beforeAll(async () => {
    await requireBroker();
  });

  // Registered before the stack, so it runs after the stack stopped.
  afterAll(async () => {
    await deleteBrokerNames({ queues: [names.queue], exchanges: [names.exchange] });
  });

  const stack = useStack({
    shopEnv: env,
    bffEnv: { BREAKER_MIN_REQUESTS: "1000" },
    bffs: { mixed: { app: "mobile-bff", env } },
  });

  it("fetches catalog over HTTP, shipping over the queue and inventory over gRPC in one answer", async () => {
    // The BFF connects to the broker in the background: wait until shipping answers over it.
    await eventually(
      async () => (await details(stack.bffs.mixed, "p1")).body.degraded.shipping === undefined,
      {
        timeoutMs: 10_000,
        intervalMs: 50,
      },
    );
    const { status, body, headers } = await details(stack.bffs.mixed, "p1", "three-transports-1");
    expect(status).toBe(200);
    expect(body.degraded).toEqual({});
    expect(body.inventory).toEqual({ available: 3, lowStock: true });
    expect(body.shipping.length).toBeGreaterThan(0);
    const timing = headers.get("server-timing") ?? "";
    for (const service of ["catalog", "shipping", "inventory"]) expect(timing).toContain(`${service};dur=`);

    const seen = mine(await recordedRequests(stack.shop), "three-transports-1");
    const byService = Object.fromEntries(seen.map((request) => [request.service, request]));
    expect(byService.catalog).toMatchObject({ method: "GET", path: "/products/p1" });
    expect(byService.shipping).toMatchObject({ method: "AMQP", path: "/quotes", query: "productId=p1" });
    expect(byService.inventory).toMatchObject({ method: "GRPC", path: GET_STOCK, query: "productId=p1" });
    // One trace across the three transports.
    for (const request of seen) expect(request.traceparent).toContain(TRACE_ID);
  });
});

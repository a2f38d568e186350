import type http from "node:http";
import { closedPortUrl, sendJson } from "@portico/test-support";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { CacheStore } from "../cache/cache-store.js";
import { MemoryStore } from "../cache/memory-store.js";
import { SingleFlight } from "../cache/single-flight.js";
import { createRequestContext, type RequestContext } from "../context.js";
import { roundRobin } from "../discovery/load-balancer.js";
import { StaticRegistry } from "../discovery/static-registry.js";
import {
  ClientClosedError,
  InvalidInputError,
  UpstreamBadResponseError,
  UpstreamConnectionError,
  UpstreamNotFoundError,
  UpstreamRejectedError,
  UpstreamStatusError,
  UpstreamTimeoutError,
  UpstreamWriteRejectedError,
} from "../errors/index.js";
import { createUpstreamPolicy } from "../resilience/upstream-policy.js";
import { settle, sleep } from "../test-support/async.js";
import { useFakeUpstreams } from "../test-support/fake-upstreams.js";
import { HttpTransport } from "./http-transport.js";
import { ServiceClient } from "./service-client.js";
import { encodePath } from "./transport.js";
import type { UpstreamAttemptEvent, UpstreamCallEvent, UpstreamObserver } from "./upstream-observer.js";

const productSchema = z.object({ id: z.string(), name: z.string() });
const PRODUCT = { id: "p1", name: "Lamp" };

const { upstream, onCleanup } = useFakeUpstreams();

interface ClientOptions {
  timeoutMs?: number;
  minRequests?: number;
  freshCache?: boolean;
  freshStore?: CacheStore;
  observer?: UpstreamObserver;
}

function serviceClient(
  urls: readonly string[],
  // Generous: the first call also pays for a cold connection pool on a loaded machine.
  { timeoutMs = 3_000, minRequests = 100, freshCache, freshStore, observer }: ClientOptions = {},
) {
  const transport = new HttpTransport();
  const { policy, writePolicy, breaker, bulkhead } = createUpstreamPolicy({
    service: "catalog",
    timeoutMs,
    breaker: { windowMs: 10_000, minRequests, errorPct: 50, openMs: 5_000 },
    maxConcurrent: 64,
    idempotent: true,
  });
  const store = new MemoryStore();
  onCleanup(async () => {
    breaker.dispose();
    await transport.close();
    await store.close();
  });
  return new ServiceClient({
    service: "catalog",
    balancer: roundRobin(new StaticRegistry({ catalog: urls }), "catalog"),
    transport,
    policy,
    writePolicy,
    breaker,
    bulkhead,
    singleFlight: new SingleFlight(),
    freshCache: freshCache || freshStore ? { store: freshStore ?? store, ttlS: 60 } : undefined,
    observer,
  });
}

const context = (
  options: { deadlineMs?: number; signal?: AbortSignal; requestId?: string } = {},
): RequestContext => createRequestContext({ deadlineMs: options.deadlineMs ?? 2_000, ...options });

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  const outcome = await settle(promise);
  expect(outcome.ok).toBe(false);
  return (outcome as { error: unknown }).error;
}

describe("ServiceClient over HTTP", () => {
  it("returns a 2xx answer validated by its schema, extra fields dropped", async () => {
    const server = await upstream((_req, res) => sendJson(res, 200, { ...PRODUCT, internal: "x" }));
    const client = serviceClient([server.url]);
    await expect(client.get(context(), encodePath`/products/${"p1"}`, productSchema)).resolves.toEqual(
      PRODUCT,
    );
    expect(server.requests[0]?.url).toBe("/products/p1");
  });

  it("fails a wrongly shaped answer with UpstreamBadResponseError, without retrying", async () => {
    const server = await upstream((_req, res) => sendJson(res, 200, { id: 1, name: null }));
    const client = serviceClient([server.url]);
    const error = await errorOf(client.get(context(), "/products/p1", productSchema));
    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect(error).toMatchObject({ service: "catalog", status: 502 });
    expect(server.requests).toHaveLength(1);
    expect(client.breaker.snapshot().failures).toBe(1);
  });

  it("fails malformed JSON with UpstreamBadResponseError", async () => {
    const server = await upstream((_req, res) => sendJson(res, 200, '{"id": "p1",'));
    const client = serviceClient([server.url]);
    await expect(client.get(context(), "/products/p1", productSchema)).rejects.toBeInstanceOf(
      UpstreamBadResponseError,
    );
  });

  it("maps 404 to UpstreamNotFoundError, counted as an answer by the breaker", async () => {
    const server = await upstream((_req, res) => sendJson(res, 404, { error: "unknown" }));
    const client = serviceClient([server.url]);
    const error = await errorOf(client.get(context(), "/products/nope", productSchema));
    expect(error).toBeInstanceOf(UpstreamNotFoundError);
    expect(error).toMatchObject({ status: 404 });
    expect(server.requests).toHaveLength(1);
    expect(client.breaker.snapshot()).toMatchObject({ successes: 1, failures: 0 });
  });

  it("maps another 4xx to UpstreamRejectedError, not retried", async () => {
    const server = await upstream((_req, res) => sendJson(res, 400, { error: "bad" }));
    const client = serviceClient([server.url]);
    const error = await errorOf(client.get(context(), "/products/p1", productSchema));
    expect(error).toBeInstanceOf(UpstreamRejectedError);
    expect(error).toMatchObject({ upstreamStatus: 400 });
    expect(server.requests).toHaveLength(1);
  });

  it("maps 500 to UpstreamStatusError and does not retry it", async () => {
    const server = await upstream((_req, res) => sendJson(res, 500, { error: "boom" }));
    const client = serviceClient([server.url]);
    const error = await errorOf(client.get(context(), "/products/p1", productSchema));
    expect(error).toBeInstanceOf(UpstreamStatusError);
    expect(error).toMatchObject({ upstreamStatus: 500, status: 502 });
    expect(server.requests).toHaveLength(1);
  });

  it("retries a 503 and returns the answer that follows", async () => {
    let calls = 0;
    const server = await upstream((_req, res) => {
      calls++;
      if (calls === 1) sendJson(res, 503, { error: "busy" });
      else sendJson(res, 200, PRODUCT);
    });
    const client = serviceClient([server.url]);
    await expect(client.get(context(), "/products/p1", productSchema)).resolves.toEqual(PRODUCT);
    expect(server.requests).toHaveLength(2);
  });

  it("fails a refused connection with UpstreamConnectionError (before any response), after retrying", async () => {
    const client = serviceClient([await closedPortUrl()]);
    const error = await errorOf(client.get(context(), "/products/p1", productSchema));
    expect(error).toBeInstanceOf(UpstreamConnectionError);
    expect(error).toMatchObject({ beforeResponse: true, status: 502 });
    expect(client.breaker.snapshot().failures).toBe(3);
  });

  it("fails over to the next instance when one refuses", async () => {
    const healthy = await upstream((_req, res) => sendJson(res, 200, PRODUCT));
    const client = serviceClient([await closedPortUrl(), healthy.url]);
    await expect(client.get(context(), "/products/p1", productSchema)).resolves.toEqual(PRODUCT);
  });

  it("does not retry an answer reset mid-body", async () => {
    const server = await upstream((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "500" });
      res.write('{"id":"p1",');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const client = serviceClient([server.url]);
    await errorOf(client.get(context(), "/products/p1", productSchema));
    expect(server.requests).toHaveLength(1);
  });

  it("times out a slow upstream and closes its socket", async () => {
    const server = await upstream(() => {
      // Hangs.
    });
    const client = serviceClient([server.url], { timeoutMs: 100 });
    const started = performance.now();
    const error = await errorOf(client.get(context(), "/products/p1", productSchema));
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(error).toMatchObject({ status: 504 });
    expect(performance.now() - started).toBeLessThan(1_000);
    await server.requests[0]?.closedEarly;
    expect(server.requests).toHaveLength(1);
  });

  it("never waits past the request deadline, even with a longer timeout", async () => {
    const server = await upstream(() => {});
    const client = serviceClient([server.url], { timeoutMs: 5_000 });
    const started = performance.now();
    await expect(
      client.get(context({ deadlineMs: 150 }), "/products/p1", productSchema),
    ).rejects.toBeInstanceOf(UpstreamTimeoutError);
    expect(performance.now() - started).toBeLessThan(1_500);
    await server.requests[0]?.closedEarly;
  });

  it("answers a slow upstream that makes it in time", async () => {
    const server = await upstream(async (_req, res) => {
      await sleep(50);
      sendJson(res, 200, PRODUCT);
    });
    const client = serviceClient([server.url], { timeoutMs: 1_000 });
    await expect(client.get(context(), "/products/p1", productSchema)).resolves.toEqual(PRODUCT);
  });

  it("aborts the upstream call when the client goes away", async () => {
    const server = await upstream(() => {});
    const client = serviceClient([server.url]);
    const controller = new AbortController();
    const pending = errorOf(
      client.get(context({ signal: controller.signal }), "/products/p1", productSchema),
    );
    while (server.requests.length === 0) await sleep(5);
    controller.abort();
    expect(await pending).toBeInstanceOf(ClientClosedError);
    await server.requests[0]?.closedEarly;
    expect(client.breaker.snapshot().calls).toBe(0);
  });

  it("forwards X-Request-Id and a traceparent continuing the caller's trace", async () => {
    const server = await upstream((_req, res) => sendJson(res, 200, PRODUCT));
    const client = serviceClient([server.url]);
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const ctx = createRequestContext({
      deadlineMs: 2_000,
      requestId: "req-42",
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });
    await client.get(ctx, "/products/p1", productSchema);
    const headers = server.requests[0]?.headers;
    expect(headers?.["x-request-id"]).toBe("req-42");
    expect(headers?.traceparent).toBe(`00-${traceId}-${ctx.trace.spanId}-01`);
    expect(headers?.accept).toBe("application/json");
  });

  it("sends 20 concurrent identical GETs to the upstream once, with the first caller's request id", async () => {
    const server = await upstream(async (_req, res) => {
      await sleep(50);
      sendJson(res, 200, PRODUCT);
    });
    const client = serviceClient([server.url]);
    const contexts = Array.from({ length: 20 }, (_, i) => context({ requestId: `req-${i}` }));
    const answers = await Promise.all(contexts.map((ctx) => client.get(ctx, "/products/p1", productSchema)));
    expect(answers.every((answer) => answer.id === "p1")).toBe(true);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.headers["x-request-id"]).toBe("req-0");
  });

  it("does not coalesce GETs of different paths or queries", async () => {
    const server = await upstream((_req, res) => sendJson(res, 200, PRODUCT));
    const client = serviceClient([server.url]);
    await Promise.all([
      client.get(context(), "/products/p1", productSchema),
      client.get(context(), "/products/p2", productSchema),
      client.get(context(), "/products/p1", productSchema, { query: { v: 2 } }),
    ]);
    expect(server.requests).toHaveLength(3);
  });

  it("records the time spent in ctx.timings under the service's name", async () => {
    const server = await upstream(async (_req, res) => {
      await sleep(20);
      sendJson(res, 200, PRODUCT);
    });
    const client = serviceClient([server.url]);
    const ctx = context();
    await client.get(ctx, "/products/p1", productSchema);
    const header = ctx.timings.header();
    expect(header).toMatch(/^catalog;dur=\d+\.\d$/);
    const duration = Number(header?.split("dur=")[1]);
    expect(duration).toBeGreaterThanOrEqual(15);
    expect(duration).toBeLessThan(2_000);
  });

  it("records the time of a failed call too", async () => {
    const server = await upstream((_req, res) => sendJson(res, 500, {}));
    const client = serviceClient([server.url]);
    const ctx = context();
    await errorOf(client.get(ctx, "/products/p1", productSchema));
    expect(ctx.timings.header()).toMatch(/^catalog;dur=/);
  });

  it("spreads calls across instances round-robin", async () => {
    const a = await upstream((_req, res) => sendJson(res, 200, PRODUCT));
    const b = await upstream((_req, res) => sendJson(res, 200, PRODUCT));
    const client = serviceClient([a.url, b.url]);
    for (let i = 0; i < 4; i++) await client.get(context(), `/products/p${i}`, productSchema);
    expect(a.requests).toHaveLength(2);
    expect(b.requests).toHaveLength(2);
  });

  it("serves a fresh-cache hit without calling the upstream when the cache is on", async () => {
    const server = await upstream((_req, res) => sendJson(res, 200, PRODUCT));
    const client = serviceClient([server.url], { freshCache: true });
    await client.get(context(), "/products/p1", productSchema);
    await sleep(5);
    await expect(client.get(context(), "/products/p1", productSchema)).resolves.toEqual(PRODUCT);
    expect(server.requests).toHaveLength(1);
  });

  it("calls the upstream as usual when the fresh cache's store is broken", async () => {
    const server = await upstream((_req, res) => sendJson(res, 200, PRODUCT));
    const broken = () => {
      throw new Error("store down");
    };
    const freshStore = {
      get: broken,
      set: broken,
      delete: broken,
      close: async () => {},
    } as unknown as CacheStore;
    const client = serviceClient([server.url], { freshStore });
    await expect(client.get(context(), "/products/p1", productSchema)).resolves.toEqual(PRODUCT);
    await expect(client.get(context(), "/products/p1", productSchema)).resolves.toEqual(PRODUCT);
    expect(server.requests).toHaveLength(2);
  });

  it("opens the breaker on repeated failures and then fails fast without calling the upstream", async () => {
    const server = await upstream((_req, res) => sendJson(res, 500, {}));
    const client = serviceClient([server.url], { minRequests: 3 });
    for (let i = 0; i < 3; i++) await errorOf(client.get(context(), `/products/p${i}`, productSchema));
    expect(client.breaker.state).toBe("open");
    await expect(client.get(context(), "/products/p9", productSchema)).rejects.toMatchObject({
      code: "CIRCUIT_OPEN",
      status: 503,
    });
    expect(server.requests).toHaveLength(3);
  });

  it("refuses an id that would walk the path before any request is made", async () => {
    const server = await upstream((_req, res) => sendJson(res, 200, PRODUCT));
    expect(() => encodePath`/products/${".."}`).toThrow(InvalidInputError);
    expect(server.requests).toHaveLength(0);
  });
});

const cartSchema = z.object({
  customerId: z.string(),
  items: z.array(z.object({ productId: z.string(), quantity: z.number() })),
});
const CART = { customerId: "c1", items: [{ productId: "p1", quantity: 2 }] };

/** The request bodies a fake upstream read, in arrival order. */
function recordingBodies(): {
  bodies: string[];
  read(req: http.IncomingMessage): Promise<string>;
} {
  const bodies: string[] = [];
  return {
    bodies,
    async read(req) {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString("utf8");
      bodies.push(text);
      return text;
    },
  };
}

describe("ServiceClient writes", () => {
  it("sends PUT, POST and DELETE with their JSON body, content type, request id, trace and Idempotency-Key", async () => {
    const seen = recordingBodies();
    const server = await upstream(async (req, res) => {
      await seen.read(req);
      sendJson(res, req.method === "POST" ? 201 : 200, { ...CART, extra: "dropped" });
    });
    const client = serviceClient([server.url]);
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const ctx = createRequestContext({
      deadlineMs: 2_000,
      requestId: "req-w1",
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });
    const path = encodePath`/carts/${"c1"}/items/${"p1"}`;
    await expect(
      client.send(ctx, "PUT", path, { body: { quantity: 2 }, schema: cartSchema }),
    ).resolves.toEqual(CART);
    await expect(
      client.send(ctx, "POST", "/orders", {
        body: { customerId: "c1", items: CART.items, shippingMethod: "standard" },
        headers: { "Idempotency-Key": "order-key-0001" },
        schema: cartSchema,
      }),
    ).resolves.toEqual(CART);
    await expect(client.send(ctx, "DELETE", path, { schema: cartSchema })).resolves.toEqual(CART);

    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      "PUT /carts/c1/items/p1",
      "POST /orders",
      "DELETE /carts/c1/items/p1",
    ]);
    expect(seen.bodies).toEqual([
      '{"quantity":2}',
      '{"customerId":"c1","items":[{"productId":"p1","quantity":2}],"shippingMethod":"standard"}',
      "",
    ]);
    for (const { headers } of server.requests) {
      expect(headers["x-request-id"]).toBe("req-w1");
      expect(headers.traceparent).toBe(`00-${traceId}-${ctx.trace.spanId}-01`);
      expect(headers.accept).toBe("application/json");
    }
    const [put, post, del] = server.requests.map((r) => r.headers);
    expect(put?.["content-type"]).toBe("application/json");
    expect(post?.["content-type"]).toBe("application/json");
    expect(post?.["idempotency-key"]).toBe("order-key-0001");
    expect(put?.["idempotency-key"]).toBeUndefined();
    expect(del?.["content-type"]).toBeUndefined();
  });

  it("fails a 2xx of the wrong shape with UpstreamBadResponseError, a failure not retried", async () => {
    const server = await upstream((_req, res) => sendJson(res, 200, { customerId: 7 }));
    const client = serviceClient([server.url]);
    const error = await errorOf(
      client.send(context(), "PUT", "/carts/c1/items/p1", { body: { quantity: 1 }, schema: cartSchema }),
    );
    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect(error).toMatchObject({ status: 502 });
    expect(server.requests).toHaveLength(1);
    expect(client.breaker.snapshot()).toMatchObject({ failures: 1, successes: 0 });
  });

  it("maps a 404 to UpstreamNotFoundError carrying the service's answer, counted as an answer", async () => {
    const server = await upstream((_req, res) => sendJson(res, 404, { error: "unknown_product" }));
    const client = serviceClient([server.url]);
    const error = await errorOf(
      client.send(context(), "PUT", "/carts/c1/items/nope", { body: { quantity: 1 }, schema: cartSchema }),
    );
    expect(error).toBeInstanceOf(UpstreamNotFoundError);
    expect(error).toMatchObject({
      status: 404,
      reason: "unknown_product",
      body: { error: "unknown_product" },
    });
    expect(server.requests).toHaveLength(1);
    expect(client.breaker.snapshot()).toMatchObject({ failures: 0, successes: 1 });
  });

  it("maps a 409 and a 422 to UpstreamWriteRejectedError with the upstream's status and reason", async () => {
    const server = await upstream((req, res) =>
      req.url === "/orders"
        ? sendJson(res, 409, { error: "out_of_stock", productId: "p1" })
        : sendJson(res, 422, { error: "cart_full" }),
    );
    const client = serviceClient([server.url]);
    const conflict = await errorOf(
      client.send(context(), "POST", "/orders", { body: {}, schema: cartSchema }),
    );
    expect(conflict).toBeInstanceOf(UpstreamWriteRejectedError);
    expect(conflict).toMatchObject({
      code: "UPSTREAM_WRITE_REJECTED",
      status: 409,
      upstreamStatus: 409,
      reason: "out_of_stock",
      body: { error: "out_of_stock", productId: "p1" },
      service: "catalog",
    });
    const unprocessable = await errorOf(
      client.send(context(), "PUT", "/carts/c1/items/p1", { body: { quantity: 1 }, schema: cartSchema }),
    );
    expect(unprocessable).toMatchObject({ status: 422, reason: "cart_full" });
    expect(server.requests).toHaveLength(2);
    expect(client.breaker.snapshot()).toMatchObject({ failures: 0, successes: 2 });
  });

  it("does not relay an upstream's refusal of the BFF's own credentials: 502", async () => {
    const server = await upstream((_req, res) => sendJson(res, 401, { error: "bad_token" }));
    const client = serviceClient([server.url]);
    const error = await errorOf(client.send(context(), "POST", "/orders", { body: {}, schema: cartSchema }));
    expect(error).toBeInstanceOf(UpstreamRejectedError);
    expect(error).toMatchObject({ status: 502, upstreamStatus: 401 });
  });

  it("does not retry a 503: exactly one upstream request, UpstreamStatusError", async () => {
    const server = await upstream((_req, res) => sendJson(res, 503, { error: "busy" }));
    const client = serviceClient([server.url]);
    const error = await errorOf(client.send(context(), "POST", "/orders", { body: {}, schema: cartSchema }));
    expect(error).toBeInstanceOf(UpstreamStatusError);
    expect(error).toMatchObject({ status: 502, upstreamStatus: 503 });
    expect(server.requests).toHaveLength(1);
  });

  it("does not retry a reset after the request was sent, even with another instance at hand", async () => {
    const seen = recordingBodies();
    const reset = await upstream(async (req) => {
      await seen.read(req);
      req.socket.destroy();
    });
    const other = await upstream((_req, res) => sendJson(res, 201, CART));
    const client = serviceClient([reset.url, other.url]);
    const error = await errorOf(
      client.send(context(), "POST", "/orders", { body: { customerId: "c1" }, schema: cartSchema }),
    );
    expect(error).toBeInstanceOf(UpstreamConnectionError);
    expect(error).toMatchObject({ notSent: false, status: 502 });
    expect(reset.requests).toHaveLength(1);
    expect(seen.bodies).toEqual(['{"customerId":"c1"}']);
    expect(other.requests).toHaveLength(0);
  });

  it("retries a refused connection on another instance, where the write lands exactly once", async () => {
    const attempts: UpstreamAttemptEvent[] = [];
    const seen = recordingBodies();
    const healthy = await upstream(async (req, res) => {
      await seen.read(req);
      sendJson(res, 201, CART);
    });
    const client = serviceClient([await closedPortUrl(), healthy.url], {
      observer: { attempt: (event) => attempts.push(event) },
    });
    await expect(
      client.send(context(), "POST", "/orders", {
        body: { customerId: "c1" },
        headers: { "idempotency-key": "order-key-0002" },
        schema: cartSchema,
      }),
    ).resolves.toEqual(CART);
    expect(attempts.map((a) => a.outcome)).toEqual(["error", "ok"]);
    expect(attempts[0]?.error).toMatchObject({ code: "UPSTREAM_CONNECTION", notSent: true });
    expect(healthy.requests).toHaveLength(1);
    expect(healthy.requests[0]?.headers["idempotency-key"]).toBe("order-key-0002");
    expect(seen.bodies).toEqual(['{"customerId":"c1"}']);
  });

  it("does not retry a timeout, and closes the upstream request", async () => {
    const server = await upstream(() => {
      // Hangs.
    });
    const client = serviceClient([server.url], { timeoutMs: 100 });
    const error = await errorOf(client.send(context(), "POST", "/orders", { body: {}, schema: cartSchema }));
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(error).toMatchObject({ status: 504 });
    await server.requests[0]?.closedEarly;
    expect(server.requests).toHaveLength(1);
  });

  it("counts a write's 5xx against the service: the breaker opens, then reads and writes fail fast", async () => {
    const server = await upstream((_req, res) => sendJson(res, 500, {}));
    const client = serviceClient([server.url], { minRequests: 3 });
    for (let i = 0; i < 3; i++) {
      await errorOf(client.send(context(), "PUT", `/carts/c1/items/p${i}`, { body: {}, schema: cartSchema }));
    }
    expect(client.breaker.state).toBe("open");
    await expect(client.get(context(), "/carts/c1", cartSchema)).rejects.toMatchObject({
      code: "CIRCUIT_OPEN",
    });
    await expect(
      client.send(context(), "POST", "/orders", { body: {}, schema: cartSchema }),
    ).rejects.toMatchObject({ code: "CIRCUIT_OPEN", status: 503 });
    expect(server.requests).toHaveLength(3);
  });

  it("never coalesces writes: two identical concurrent writes are two upstream requests", async () => {
    const server = await upstream(async (_req, res) => {
      await sleep(50);
      sendJson(res, 200, CART);
    });
    const client = serviceClient([server.url]);
    const write = () =>
      client.send(context(), "PUT", "/carts/c1/items/p1", { body: { quantity: 2 }, schema: cartSchema });
    await expect(Promise.all([write(), write()])).resolves.toEqual([CART, CART]);
    expect(server.requests).toHaveLength(2);
  });

  it("never answers a read that starts after a write from a read in flight since before it", async () => {
    let quantity = 1;
    let releaseFirstRead: (() => void) | undefined;
    const server = await upstream(async (req, res) => {
      if (req.method === "GET") {
        const answer = { customerId: "c1", items: [{ productId: "p1", quantity }] };
        // The first read is slow: the service read the cart before the write and answers late.
        if (releaseFirstRead === undefined)
          await new Promise<void>((resolve) => (releaseFirstRead = resolve));
        sendJson(res, 200, answer);
        return;
      }
      quantity = 5;
      sendJson(res, 200, { customerId: "c1", items: [{ productId: "p1", quantity }] });
    });
    const client = serviceClient([server.url]);
    const before = client.get(context(), "/carts/c1", cartSchema);
    while (server.requests.length === 0) await sleep(5);
    await client.send(context(), "PUT", "/carts/c1/items/p1", { body: { quantity: 5 }, schema: cartSchema });
    const after = client.get(context(), "/carts/c1", cartSchema);
    // Its own call reaches the upstream while the first read still hangs.
    for (let i = 0; i < 200 && server.requests.length < 3; i++) await sleep(5);
    releaseFirstRead?.();
    expect((await before).items[0]?.quantity).toBe(1);
    expect((await after).items[0]?.quantity).toBe(5);
    expect(server.requests.map((r) => r.method)).toEqual(["GET", "PUT", "GET"]);
  });

  it("reads past the fresh cache after a write to the service, even one that failed, and caches anew", async () => {
    let quantity = 1;
    let failWrites = false;
    const server = await upstream((req, res) => {
      if (req.method !== "GET") {
        if (failWrites) {
          sendJson(res, 500, {});
          return;
        }
        quantity += 1;
      }
      sendJson(res, 200, { customerId: "c1", items: [{ productId: "p1", quantity }] });
    });
    const client = serviceClient([server.url], { freshCache: true });
    const read = async () => (await client.get(context(), "/carts/c1", cartSchema)).items[0]?.quantity;
    expect(await read()).toBe(1);
    expect(await read()).toBe(1);
    await client.send(context(), "PUT", "/carts/c1/items/p1", { body: { quantity: 2 }, schema: cartSchema });
    expect(await read()).toBe(2);
    expect(await read()).toBe(2);
    // A failed write may have happened all the same.
    failWrites = true;
    await errorOf(client.send(context(), "PUT", "/carts/c1/items/p1", { body: {}, schema: cartSchema }));
    expect(await read()).toBe(2);
    expect(server.requests.map((r) => r.method)).toEqual(["GET", "PUT", "GET", "PUT", "GET"]);
  });

  it("tells the observer of the call and its attempt, and records Server-Timing", async () => {
    const calls: UpstreamCallEvent[] = [];
    const attempts: UpstreamAttemptEvent[] = [];
    const server = await upstream((_req, res) => sendJson(res, 409, { error: "out_of_stock" }));
    const client = serviceClient([server.url], {
      observer: { call: (event) => calls.push(event), attempt: (event) => attempts.push(event) },
    });
    const ctx = context();
    await errorOf(client.send(ctx, "POST", "/orders", { body: {}, schema: cartSchema }));
    expect(calls).toMatchObject([{ service: "catalog", outcome: "ok" }]);
    expect(attempts).toMatchObject([{ service: "catalog", outcome: "ok", status: 409 }]);
    expect(ctx.timings.header()).toMatch(/^catalog;dur=\d+\.\d$/);
  });

  it("aborts the write when the client goes away, uncounted by the breaker", async () => {
    const server = await upstream(() => {});
    const client = serviceClient([server.url]);
    const controller = new AbortController();
    const pending = errorOf(
      client.send(context({ signal: controller.signal }), "POST", "/orders", {
        body: {},
        schema: cartSchema,
      }),
    );
    while (server.requests.length === 0) await sleep(5);
    controller.abort();
    expect(await pending).toBeInstanceOf(ClientClosedError);
    await server.requests[0]?.closedEarly;
    expect(server.requests).toHaveLength(1);
    expect(client.breaker.snapshot().calls).toBe(0);
  });
});

import { closedPort } from "@portico/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Cancellation } from "../cancellation.js";
import {
  ClientClosedError,
  GatewayError,
  UpstreamBadResponseError,
  UpstreamConnectionError,
  UpstreamTimeoutError,
} from "../errors/index.js";
import { isRetryable, isServiceFailure } from "../resilience/failures.js";
import { type FakeGrpcInventory, startFakeGrpcInventory } from "../test-support/grpc-inventory.js";
import { GRPC_STATUS } from "./grpc-status.js";
import { GrpcTransport } from "./grpc-transport.js";
import { inventoryGrpcRoutes } from "./inventory-grpc.js";
import type { TransportRequest } from "./transport.js";

let inventory: FakeGrpcInventory;
let transport: GrpcTransport;
const routes = inventoryGrpcRoutes();

beforeAll(async () => {
  inventory = await startFakeGrpcInventory();
  transport = new GrpcTransport({ routes, timeoutMs: 500 });
});

afterEach(() => {
  inventory.answer(undefined);
  inventory.calls.length = 0;
});

afterAll(async () => {
  await transport.close();
  await inventory.close();
});

function request(overrides: Partial<TransportRequest> = {}): TransportRequest {
  return {
    service: "inventory",
    baseUrl: inventory.address,
    path: "/stock/p1",
    headers: {
      accept: "application/json",
      "x-request-id": "req-1",
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    },
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** The rejection of a call that must fail. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

describe("GrpcTransport", () => {
  it("answers GetStock as the HTTP API's JSON, with the request id and trace context as metadata", async () => {
    const answer = await transport.get(request());
    // With the gRPC status it came with, for the attempt's span.
    expect(answer).toEqual({
      status: 200,
      body: { productId: "p1", available: 3 },
      grpcStatus: GRPC_STATUS.OK,
    });
    expect(inventory.calls).toHaveLength(1);
    expect(inventory.calls[0]).toMatchObject({
      method: "GetStock",
      request: { productId: "p1" },
      requestId: "req-1",
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    });
  });

  it("decodes a sold-out product's zero, which proto3 leaves off the wire, as available: 0", async () => {
    expect((await transport.get(request({ path: "/stock/p2" }))).body).toEqual({
      productId: "p2",
      available: 0,
    });
  });

  it("sends an encoded id decoded, as one product id", async () => {
    inventory.answer((call) => ({ message: { productId: call.request.productId, available: 1 } }));
    const answer = await transport.get(request({ path: `/stock/${encodeURIComponent("a b/c")}` }));
    expect(answer.body).toEqual({ productId: "a b/c", available: 1 });
  });

  it("makes /stock?ids= one BatchGetStock call answered as {items}, unknown ids left out", async () => {
    const answer = await transport.get(request({ path: "/stock", query: { ids: "p1,nope,p2" } }));
    expect(answer).toEqual({
      status: 200,
      body: {
        items: [
          { productId: "p1", available: 3 },
          { productId: "p2", available: 0 },
        ],
      },
      grpcStatus: GRPC_STATUS.OK,
    });
    expect(inventory.calls.map((call) => [call.method, call.request])).toEqual([
      ["BatchGetStock", { productIds: ["p1", "nope", "p2"] }],
    ]);
  });

  it("answers an empty BatchStock with items: [] (an empty list is not on the wire either)", async () => {
    const answer = await transport.get(request({ path: "/stock", query: { ids: "nope" } }));
    expect(answer.body).toEqual({ items: [] });
  });

  it("answers NOT_FOUND as a 404: an answer, not a failure", async () => {
    const answer = await transport.get(request({ path: "/stock/nope" }));
    expect(answer).toEqual({ status: 404, body: undefined, grpcStatus: GRPC_STATUS.NOT_FOUND });
  });

  it.each([
    ["RESOURCE_EXHAUSTED", 503, GRPC_STATUS.RESOURCE_EXHAUSTED],
    ["INTERNAL", 500, GRPC_STATUS.INTERNAL],
    ["UNKNOWN", 500, GRPC_STATUS.UNKNOWN],
    ["DATA_LOSS", 500, GRPC_STATUS.DATA_LOSS],
    ["UNIMPLEMENTED", 500, GRPC_STATUS.UNIMPLEMENTED],
    ["INVALID_ARGUMENT", 400, GRPC_STATUS.INVALID_ARGUMENT],
    ["PERMISSION_DENIED", 403, GRPC_STATUS.PERMISSION_DENIED],
  ])("answers %s as a %i", async (_name, httpStatus, code) => {
    inventory.answer(() => ({ code }));
    expect(await transport.get(request())).toEqual({ status: httpStatus, body: undefined, grpcStatus: code });
  });

  it("fails UNAVAILABLE from the service as a connection error before any answer: retryable, counted", async () => {
    inventory.answer(() => ({ code: GRPC_STATUS.UNAVAILABLE, details: "overloaded" }));
    const error = await failure(transport.get(request()));
    expect(error).toBeInstanceOf(UpstreamConnectionError);
    expect(error).toMatchObject({ code: "UPSTREAM_CONNECTION", beforeResponse: true, notSent: false });
    expect(isRetryable(error)).toBe(true);
    expect(isServiceFailure(error)).toBe(true);
  });

  it("fails a refused connection at once as a retryable connection error", async () => {
    const refusing = new GrpcTransport({ routes, timeoutMs: 2000 });
    try {
      const started = performance.now();
      const error = await failure(refusing.get(request({ baseUrl: `127.0.0.1:${await closedPort()}` })));
      expect(error).toBeInstanceOf(UpstreamConnectionError);
      // Never connected: nothing was sent (an ejection at once, as for a refused HTTP connection).
      expect(error).toMatchObject({ beforeResponse: true, notSent: true });
      expect(isRetryable(error)).toBe(true);
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await refusing.close();
    }
  });

  it("sets the gRPC deadline to timeoutMs: a silent service is an UPSTREAM_TIMEOUT, not retried", async () => {
    const quick = new GrpcTransport({ routes, timeoutMs: 150 });
    inventory.answer(() => ({ hang: true }));
    try {
      const started = performance.now();
      const error = await failure(quick.get(request()));
      const elapsed = performance.now() - started;
      expect(error).toBeInstanceOf(UpstreamTimeoutError);
      expect(isRetryable(error)).toBe(false);
      expect(isServiceFailure(error)).toBe(true);
      expect(elapsed).toBeGreaterThanOrEqual(140);
      expect(elapsed).toBeLessThan(1000);
      // The service was told the deadline (grpc-timeout), so it can stop working on it too.
      expect(inventory.calls[0]?.deadlineMs).toBeGreaterThan(50);
      expect(inventory.calls[0]?.deadlineMs).toBeLessThanOrEqual(150);
    } finally {
      await quick.close();
    }
  });

  it("takes the request's own deadline when it carries one", async () => {
    inventory.answer(() => ({ hang: true }));
    const started = performance.now();
    const error = await failure(transport.get(request({ deadline: performance.now() + 100 })));
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(performance.now() - started).toBeLessThan(450);
  });

  it("cancels the call when the caller's signal aborts: CLIENT_CLOSED at once, and the service sees it", async () => {
    inventory.answer(() => ({ hang: true }));
    const controller = new AbortController();
    const pending = failure(transport.get(request({ signal: controller.signal })));
    await expect.poll(() => inventory.calls.length).toBe(1);
    const started = performance.now();
    controller.abort();
    expect(await pending).toBeInstanceOf(ClientClosedError);
    expect(performance.now() - started).toBeLessThan(100);
    await expect.poll(() => inventory.calls[0]?.cancelled()).toBe(true);
  });

  it("listens to the pipeline's Cancellation when the request has one, never making a signal", async () => {
    inventory.answer(() => ({ hang: true }));
    const cancellation = new Cancellation();
    const base = request();
    const pending = failure(
      transport.get({
        ...base,
        cancellation,
        get signal(): AbortSignal {
          throw new Error("the signal was read");
        },
      }),
    );
    await expect.poll(() => inventory.calls.length).toBe(1);
    cancellation.abort(new Error("timed out"));
    expect(await pending).toBeInstanceOf(ClientClosedError);
    await expect.poll(() => inventory.calls[0]?.cancelled()).toBe(true);
  });

  it("sends nothing for a caller already gone", async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await failure(transport.get(request({ signal: controller.signal })))).toBeInstanceOf(
      ClientClosedError,
    );
    expect(inventory.calls).toHaveLength(0);
  });

  it("fails an answer that is no message as UPSTREAM_BAD_RESPONSE: a failure, not retried", async () => {
    const garbage = await startFakeGrpcInventory({ garbage: true });
    try {
      const error = await failure(transport.get(request({ baseUrl: garbage.address })));
      expect(error).toBeInstanceOf(UpstreamBadResponseError);
      expect(isServiceFailure(error)).toBe(true);
      expect(isRetryable(error)).toBe(false);
    } finally {
      await garbage.close();
    }
  });

  it("refuses a path no method serves, and every write, as INTERNAL: nothing is sent", async () => {
    const unrouted = await failure(transport.get(request({ path: "/quotes" })));
    expect(unrouted).toBeInstanceOf(GatewayError);
    expect(unrouted).toMatchObject({ code: "INTERNAL" });
    const write = await failure(transport.send({ ...request(), method: "PUT", body: { available: 1 } }));
    expect(write).toMatchObject({ code: "INTERNAL" });
    expect(inventory.calls).toHaveLength(0);
  });

  it("keeps one channel per address: a closed transport's calls fail as connection errors", async () => {
    const own = new GrpcTransport({ routes });
    await own.get(request());
    await own.get(request({ path: "/stock/p3" }));
    // Both calls came over one connection: the same client port.
    expect(inventory.calls).toHaveLength(2);
    expect(inventory.calls[1]?.peer).toBe(inventory.calls[0]?.peer);
    await own.close();
    expect(await failure(own.get(request()))).toBeInstanceOf(UpstreamConnectionError);
  });

  it("probes an instance healthy when it accepts a connection, unhealthy when refused within probeTimeoutMs", async () => {
    const prober = new GrpcTransport({ routes, probeTimeoutMs: 200 });
    const signal = new AbortController().signal;
    try {
      expect(await prober.probe({ id: "a", url: inventory.address }, signal)).toBe(true);
      const started = performance.now();
      expect(await prober.probe({ id: "b", url: `127.0.0.1:${await closedPort()}` }, signal)).toBe(false);
      expect(performance.now() - started).toBeLessThan(600);
    } finally {
      await prober.close();
    }
  });
});

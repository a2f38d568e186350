import { Client, credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { loadInventoryService } from "@portico/core";
import { eventually } from "@portico/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FaultInput } from "../faults/fault-schema.js";
import { type DemoServices, startDemoServices } from "../start-demo-services.js";
import { fetchJson } from "../test-support/http.js";

const service = loadInventoryService();
let demo: DemoServices;
let client: Client;

beforeAll(async () => {
  demo = await startDemoServices({ services: ["inventory"], grpc: { port: 0 } });
  client = new Client(demo.grpcUrls.inventory as string, credentials.createInsecure(), {
    "grpc.initial_reconnect_backoff_ms": 50,
    "grpc.max_reconnect_backoff_ms": 200,
  });
});

afterEach(async () => {
  await demo.clearFault();
  demo.clearRequests();
});

afterAll(async () => {
  client.close();
  await demo.close();
});

type Outcome = { ok: true; message: unknown } | { ok: false; code: status; details: string };

/** One unary call to the demo's gRPC inventory, with metadata and a deadline. */
function call(
  method: "GetStock" | "BatchGetStock",
  request: object,
  { timeoutMs = 2000, on = client }: { timeoutMs?: number; on?: Client } = {},
): Promise<Outcome> {
  const definition = service[method];
  if (definition === undefined) throw new Error(`no ${method}`);
  const metadata = new Metadata();
  metadata.set("x-request-id", "grpc-demo-1");
  metadata.set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  return new Promise((resolve) => {
    on.makeUnaryRequest(
      definition.path,
      definition.requestSerialize,
      definition.responseDeserialize,
      request,
      metadata,
      { deadline: Date.now() + timeoutMs },
      (error: ServiceError | null, message?: unknown) =>
        resolve(error ? { ok: false, code: error.code, details: error.details } : { ok: true, message }),
    );
  });
}

const fault = (input: FaultInput) => demo.setFault("inventory", input);

describe("the demo inventory over gRPC", () => {
  it("answers GetStock and BatchGetStock with the same data as its HTTP API", async () => {
    const http = await fetchJson(`${demo.url("inventory")}/stock/p1`);
    expect(await call("GetStock", { productId: "p1" })).toEqual({ ok: true, message: http.body });
    // A sold-out product: proto3 leaves the zero off the wire; the decoder gives it back.
    expect(await call("GetStock", { productId: "p3" })).toEqual({
      ok: true,
      message: { productId: "p3", available: 0 },
    });
    const batch = await fetchJson(`${demo.url("inventory")}/stock?ids=p2,nope,p1,p2`);
    expect(await call("BatchGetStock", { productIds: ["p2", "nope", "p1", "p2"] })).toEqual({
      ok: true,
      message: batch.body,
    });
  });

  it("sees stock changes made through the store, as HTTP does", async () => {
    demo.store.setStock("p5", 2);
    expect(await call("GetStock", { productId: "p5" })).toEqual({
      ok: true,
      message: { productId: "p5", available: 2 },
    });
  });

  it("answers NOT_FOUND for an unknown id and INVALID_ARGUMENT for a malformed one or a bad batch", async () => {
    expect(await call("GetStock", { productId: "nope" })).toMatchObject({
      ok: false,
      code: status.NOT_FOUND,
    });
    expect(await call("GetStock", { productId: "../x" })).toMatchObject({
      ok: false,
      code: status.INVALID_ARGUMENT,
    });
    expect(await call("BatchGetStock", { productIds: [] })).toMatchObject({
      ok: false,
      code: status.INVALID_ARGUMENT,
    });
  });

  it("records each call with its request id and trace context, and counts it", async () => {
    const before = demo.stats("inventory").total;
    await call("GetStock", { productId: "p2" });
    await call("BatchGetStock", { productIds: ["p1", "p2"] });
    expect(demo.requests("inventory")).toMatchObject([
      {
        method: "GRPC",
        path: "/portico.shop.v1.Inventory/GetStock",
        query: "productId=p2",
        requestId: "grpc-demo-1",
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      },
      { method: "GRPC", path: "/portico.shop.v1.Inventory/BatchGetStock", query: "productIds=p1%2Cp2" },
    ]);
    expect(demo.stats("inventory").total).toBe(before + 2);
  });

  it("plays the inventory service's faults: delay answers late", async () => {
    await fault({ mode: "delay", ms: 300 });
    const started = performance.now();
    expect(await call("GetStock", { productId: "p1" })).toMatchObject({ ok: true });
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
  });

  it("hang never answers: the caller's deadline passes, and the call counts as closed by the client", async () => {
    await fault({ mode: "hang" });
    const before = demo.stats("inventory");
    expect(await call("GetStock", { productId: "p1" }, { timeoutMs: 200 })).toMatchObject({
      ok: false,
      code: status.DEADLINE_EXCEEDED,
    });
    await eventually(() => demo.stats("inventory").closedByClient === before.closedByClient + 1, 2000);
    expect(demo.stats("inventory").inFlight).toBe(before.inFlight);
  });

  it.each([
    [503, status.UNAVAILABLE],
    [500, status.INTERNAL],
    [404, status.NOT_FOUND],
    [429, status.RESOURCE_EXHAUSTED],
    [504, status.DEADLINE_EXCEEDED],
  ])("error with status %i answers gRPC status %i", async (httpStatus, code) => {
    await fault({ mode: "error", status: httpStatus });
    expect(await call("GetStock", { productId: "p1" })).toMatchObject({ ok: false, code });
  });

  it("malformed and wrong-shape answer bytes that are no message: the caller cannot decode them", async () => {
    for (const mode of ["malformed", "wrong-shape"] as const) {
      await fault({ mode });
      const outcome = await call("GetStock", { productId: "p1" });
      expect(outcome).toMatchObject({ ok: false, code: status.INTERNAL });
      expect((outcome as { details: string }).details).toMatch(/parsing error/i);
    }
  });

  it("reset drops the connection under the call: UNAVAILABLE, then a new connection serves", async () => {
    await fault({ mode: "reset" });
    expect(await call("GetStock", { productId: "p1" })).toMatchObject({
      ok: false,
      code: status.UNAVAILABLE,
    });
    await demo.clearFault("inventory");
    await eventually(async () => (await call("GetStock", { productId: "p1" })).ok, 3000);
  });

  it("applies only to the HTTP paths a fault names: /stock/p2 is GetStock p2", async () => {
    await fault({ mode: "error", status: 500, paths: ["/stock/p2"] });
    expect(await call("GetStock", { productId: "p1" })).toMatchObject({ ok: true });
    expect(await call("GetStock", { productId: "p2" })).toMatchObject({ ok: false, code: status.INTERNAL });
    expect(await call("BatchGetStock", { productIds: ["p2"] })).toMatchObject({ ok: true });
  });

  it("refuse closes the gRPC port with the HTTP one, until cleared", async () => {
    await fault({ mode: "refuse" });
    const fresh = new Client(demo.grpcUrls.inventory as string, credentials.createInsecure());
    try {
      const refused = await call("GetStock", { productId: "p1" }, { on: fresh });
      expect(refused).toMatchObject({ ok: false, code: status.UNAVAILABLE });
      expect((refused as { details: string }).details).toContain("ECONNREFUSED");
    } finally {
      fresh.close();
    }
    await demo.clearFault("inventory");
    await eventually(async () => (await call("GetStock", { productId: "p1" })).ok, 3000);
  });

  it("close() ends hung calls", async () => {
    const local = await startDemoServices({ services: ["inventory"], grpc: { port: 0 } });
    const other = new Client(local.grpcUrls.inventory as string, credentials.createInsecure());
    try {
      await local.setFault("inventory", { mode: "hang" });
      const pending = call("GetStock", { productId: "p1" }, { on: other, timeoutMs: 10_000 });
      await eventually(() => local.stats("inventory").inFlight === 1, 2000);
      const started = performance.now();
      await local.close();
      expect(await pending).toMatchObject({ ok: false, code: status.UNAVAILABLE });
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      other.close();
    }
  });

  it("serves no gRPC without the option", async () => {
    const local = await startDemoServices({ services: ["inventory"] });
    try {
      expect(local.grpcUrls).toEqual({});
    } finally {
      await local.close();
    }
  });
});

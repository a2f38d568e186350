import { eventually } from "@portico/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type DemoServices, startDemoServices } from "../start-demo-services.js";
import { cartSchema, placedOrderSchema } from "../test-support/contract-schemas.js";
import { errorCode, fetchJson, postJson, rawRequest, sendJson } from "../test-support/http.js";
import type { FaultInput } from "./fault-schema.js";

let demo: DemoServices;

beforeAll(async () => {
  demo = await startDemoServices({ services: ["inventory", "cart", "orders"] });
});

afterEach(async () => {
  await demo.clearFault();
  demo.store.reset();
  demo.clearRequests();
});

afterAll(async () => {
  await demo.close();
});

const order = { customerId: "c3", items: [{ productId: "p2", quantity: 1 }], shippingMethod: "standard" };

/** POST /orders on a fresh connection, so the test sees exactly what the socket did. */
function placeRaw(key: string, options: { timeoutMs?: number; onResponse?: (status: number) => void } = {}) {
  return rawRequest(`${demo.url("orders")}/orders`, {
    method: "POST",
    headers: { "idempotency-key": key },
    json: order,
    ...options,
  });
}

const placed = () => demo.store.orderCount().placed;
const stockOfP2 = () => demo.store.getStock("p2")?.available;

describe("faults on writes", () => {
  it("delay: the order is placed, late", async () => {
    await demo.setFault("orders", { mode: "delay", ms: 300 });
    const started = performance.now();
    const res = await placeRaw("fault-delay-1");
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
    expect(res.status).toBe(201);
    expect(placed()).toBe(1);
  });

  // Every fault that answers in the route's place leaves the write undone.
  it.each<[string, FaultInput, (outcome: unknown) => void]>([
    [
      "error",
      { mode: "error", status: 503 },
      (res) => expect(res).toMatchObject({ status: 503, body: '{"error":"injected_fault","status":503}' }),
    ],
    ["hang", { mode: "hang" }, (failure) => expect(errorCode(failure)).toBe("TEST_TIMEOUT")],
    [
      "malformed",
      { mode: "malformed" },
      (res) => {
        expect(res).toMatchObject({ status: 200 });
        expect(() => JSON.parse((res as { body: string }).body)).toThrow(SyntaxError);
      },
    ],
    [
      "wrong-shape",
      { mode: "wrong-shape" },
      (res) => expect(res).toMatchObject({ status: 200, body: '{"unexpected":true}' }),
    ],
    [
      "reset",
      { mode: "reset" },
      (failure) => expect(["ECONNRESET", "ERR_STREAM_PREMATURE_CLOSE"]).toContain(errorCode(failure)),
    ],
    ["refuse", { mode: "refuse" }, (failure) => expect(errorCode(failure)).toBe("ECONNREFUSED")],
  ])("%s: the client sees the fault and no order is stored", async (_name, fault, check) => {
    await demo.setFault("orders", fault);
    const outcome = await placeRaw("fault-undone-1", { timeoutMs: 300 }).catch((e: unknown) => e);
    check(outcome);
    await eventually(() => demo.stats("orders").inFlight === 0, 2_000);
    expect(placed()).toBe(0);
    expect(stockOfP2()).toBe(42);
    // Every request that reached the service is in the log; a refused one never did.
    expect(demo.requests("orders")).toHaveLength(fault.mode === "refuse" ? 0 : 1);
  });

  it("reset-after-commit: the client sees a reset, yet the order is stored and a retry answers it", async () => {
    await demo.setFault("orders", { mode: "reset-after-commit" });
    let status: number | undefined;
    const failure = await placeRaw("uncertain-1", { onResponse: (s) => (status = s) }).catch(
      (e: unknown) => e,
    );
    expect(errorCode(failure)).toBe("ECONNRESET");
    expect(status).toBeUndefined(); // not a byte of the answer
    expect(placed()).toBe(1);
    expect(stockOfP2()).toBe(41);
    const stored = demo.store.listOrders("c3")?.[0];
    expect(stored).toMatchObject({ customerId: "c3", status: "placed", items: order.items });

    await demo.clearFault("orders");
    const retry = await sendJson(`${demo.url("orders")}/orders`, "POST", order, {
      "idempotency-key": "uncertain-1",
    });
    expect(retry.status).toBe(200);
    expect(placedOrderSchema.parse(retry.body).orderId).toBe(stored?.orderId);
    expect(placed()).toBe(1);
    expect(stockOfP2()).toBe(41);
  });

  it("reset-after-commit: a retry under the same fault is reset too, and still stores nothing new", async () => {
    await demo.setFault("orders", { mode: "reset-after-commit" });
    for (let i = 0; i < 2; i++) {
      expect(errorCode(await placeRaw("uncertain-2").catch((e: unknown) => e))).toBe("ECONNRESET");
    }
    expect(placed()).toBe(1);
    expect(demo.requests("orders").map((r) => r.idempotencyKey)).toEqual(["uncertain-2", "uncertain-2"]);
  });

  it("reset-after-commit: the cart is changed though the client saw a reset", async () => {
    await demo.setFault("cart", { mode: "reset-after-commit" });
    const url = `${demo.url("cart")}/carts/c3/items/p4`;
    const put = await rawRequest(url, { method: "PUT", json: { quantity: 2 } }).catch((e: unknown) => e);
    expect(errorCode(put)).toBe("ECONNRESET");
    await demo.clearFault("cart");
    expect(cartSchema.parse((await fetchJson(`${demo.url("cart")}/carts/c3`)).body)).toEqual({
      customerId: "c3",
      items: [{ productId: "p4", quantity: 2 }],
      itemCount: 2,
    });
  });

  it("reset-after-commit: an answer that is not a write (a 4xx, a read) is cut the same way", async () => {
    await demo.setFault("cart", { mode: "reset-after-commit" });
    const badBody = rawRequest(`${demo.url("cart")}/carts/c3/items/p4`, {
      method: "PUT",
      json: { quantity: -1 },
    });
    await expect(badBody).rejects.toMatchObject({ code: "ECONNRESET" });
    await expect(rawRequest(`${demo.url("cart")}/carts/c3`)).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(demo.store.getCart("c3")?.items).toEqual([]);
  });

  it("reset-after-commit is not counted as closed by the client", async () => {
    await demo.setFault("orders", { mode: "reset-after-commit" });
    const before = demo.stats("orders").closedByClient;
    await placeRaw("uncertain-3").catch(() => undefined);
    await eventually(() => demo.stats("orders").inFlight === 0, 2_000);
    expect(demo.stats("orders").closedByClient).toBe(before);
  });

  it("reset-after-commit honours paths and rate like every fault", async () => {
    await postJson(`${demo.controlUrl}/_faults/orders`, {
      mode: "reset-after-commit",
      paths: ["/orders"],
      rate: 0.5,
    }).then((res) => expect(res.status).toBe(204));
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const outcome = await placeRaw(`rated-key-${i}`).then(
        (res) => String(res.status),
        (e: unknown) => errorCode(e) ?? "?",
      );
      outcomes.push(outcome);
    }
    expect(outcomes).toEqual(["201", "ECONNRESET", "201", "ECONNRESET"]);
    expect(placed()).toBe(4);
  });

  it("error on a cart write leaves the cart as it was", async () => {
    await demo.setFault("cart", { mode: "error", status: 500 });
    const res = await sendJson(`${demo.url("cart")}/carts/c1/items/p1`, "PUT", { quantity: 9 });
    expect(res.status).toBe(500);
    await demo.clearFault("cart");
    expect(demo.store.getCart("c1")?.items[0]).toEqual({ productId: "p1", quantity: 1 });
  });
});

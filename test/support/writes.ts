import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { expectProblem } from "./problem.js";
import {
  clearRecordedRequests,
  type DemoShop,
  injectFault,
  ordersPlaced,
  recordedRequests,
} from "./processes.js";
import { type BffName, useStack } from "./stack.js";
import { bearer, demoToken } from "./tokens.js";

/** Where one BFF serves the writes of contract 2.6, and where it shows the cart. */
export interface WriteRoutes {
  readonly app: BffName;
  /** `""` on mobile-bff, `"/api"` on web-bff. */
  readonly prefix: string;
  /** The read that shows the customer's cart; answers its item count. */
  readonly cartCountOn: (bffUrl: string, token: string) => Promise<number>;
}

interface OrderAnswer {
  order: {
    orderId: string;
    placedAt: string;
    status: string;
    total: { amount: number; currency: string };
    items: { productId: string; quantity: number }[];
  };
}

const key = () => `k-${randomUUID()}`;
const JSON_TYPE = { "content-type": "application/json" };

async function resetShop(shop: DemoShop): Promise<void> {
  await fetch(`${shop.control}/_admin/reset`, { method: "POST" });
  await clearRecordedRequests(shop);
}

/**
 * The write routes' e2e suite for `routes.app`: the demo shop and two
 * instances of the app (`first`, `second`) on one Redis, under a key
 * prefix of this suite's own.
 */
export function describeWrites(routes: WriteRoutes): void {
  const stack = useStack({
    bffs: { first: { app: routes.app }, second: { app: routes.app } },
    bffEnv: {
      BREAKER_MIN_REQUESTS: "1000",
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_KEY_PREFIX: `test-writes-${randomUUID()}:`,
      // Redis answers within the contract's 50 ms default on a quiet machine; CI's loaded 2 cores may not.
      REDIS_TIMEOUT_MS: "1000",
    },
    clearFaults: true,
  });
  const { prefix } = routes;
  const url = (path: string) => `${stack.bffs.first.url}${prefix}${path}`;
  const token = (customerId: string) => demoToken(stack.shop, { customerId });
  const putLine = async (customer: string, productId: string, body: unknown, headers = JSON_TYPE) =>
    fetch(url(`/cart/items/${productId}`), {
      method: "PUT",
      headers: { ...headers, ...bearer(await token(customer)) },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const postOrder = async (
    customer: string,
    idempotencyKey: string | undefined,
    body?: unknown,
    base = url(""),
  ) =>
    fetch(`${base}/orders`, {
      method: "POST",
      headers: {
        ...bearer(await token(customer)),
        ...(body === undefined ? {} : JSON_TYPE),
        ...(idempotencyKey === undefined ? {} : { "idempotency-key": idempotencyKey }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  beforeEach(async () => {
    await resetShop(stack.shop);
  });

  describe(`${routes.app}: the cart`, () => {
    it("sets a line, answers the cart, and the customer's next read shows it", async () => {
      const before = await routes.cartCountOn(stack.bffs.first.url, await token("c3"));
      expect(before).toBe(0);
      const response = await putLine("c3", "p2", { quantity: 3 });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        cart: { itemCount: 3, items: [{ productId: "p2", quantity: 3 }] },
      });
      expect(await routes.cartCountOn(stack.bffs.first.url, await token("c3"))).toBe(3);
    });

    it("removes a line with DELETE and answers the same shape", async () => {
      await putLine("c3", "p2", { quantity: 2 });
      const response = await fetch(url("/cart/items/p2"), {
        method: "DELETE",
        headers: bearer(await token("c3")),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ cart: { itemCount: 0, items: [] } });
      expect(await routes.cartCountOn(stack.bffs.first.url, await token("c3"))).toBe(0);
    });

    it("answers an unknown product with 404 and the cart service's reason", async () => {
      const body = await expectProblem(await putLine("c3", "nope404", { quantity: 1 }), 404);
      expect(body.detail).toContain("unknown_product");
    });

    it("refuses a body that is not JSON with 415, before any upstream", async () => {
      await expectProblem(await putLine("c3", "p2", "quantity=1", { "content-type": "text/plain" }), 415);
      expect(await recordedRequests(stack.shop, "cart")).toEqual([]);
    });

    it.each([
      ["quantity 100", { quantity: 100 }, "quantity"],
      ['quantity "x"', { quantity: "x" }, "quantity"],
      ["no quantity", {}, "quantity"],
      ["an extra field", { quantity: 1, customerId: "c1" }, "customerId"],
    ])("answers %s with 400 naming the field, before any upstream", async (_name, body, field) => {
      const problem = await expectProblem(await putLine("c3", "p2", body), 400);
      expect(problem.detail).toContain(`"${field}"`);
      expect(await recordedRequests(stack.shop, "cart")).toEqual([]);
    });

    it("answers 401 without a token or with an expired one, and nothing reaches the cart service", async () => {
      const anonymous = await fetch(url("/cart/items/p2"), {
        method: "PUT",
        headers: JSON_TYPE,
        body: JSON.stringify({ quantity: 1 }),
      });
      await expectProblem(anonymous, 401);
      const expired = await demoToken(stack.shop, { customerId: "c3", expiresIn: -60 });
      const late = await fetch(url("/cart/items/p2"), {
        method: "PUT",
        headers: { ...JSON_TYPE, ...bearer(expired) },
        body: JSON.stringify({ quantity: 1 }),
      });
      await expectProblem(late, 401);
      const deleted = await fetch(url("/cart/items/p2"), { method: "DELETE" });
      await expectProblem(deleted, 401);
      expect(await recordedRequests(stack.shop, "cart")).toEqual([]);
    });

    it("checks 401 before 415 and 413, and 415 before 413", async () => {
      const big = JSON.stringify({ quantity: 1, pad: "x".repeat(70_000) });
      const anonymous = await fetch(url("/cart/items/p2"), { method: "PUT", headers: JSON_TYPE, body: big });
      await expectProblem(anonymous, 401);
      const text = await putLine("c3", "p2", big, { "content-type": "text/plain" });
      await expectProblem(text, 415);
    });

    it("answers a body of 64 KiB + 1 with 413, and nothing reaches any upstream", async () => {
      const body = `{"quantity":1,"pad":"${"x".repeat(64 * 1024 + 1 - 23)}"}`;
      expect(Buffer.byteLength(body)).toBe(64 * 1024 + 1);
      const response = await putLine("c3", "p2", body);
      await expectProblem(response, 413);
      expect(response.headers.get("connection")).toBe("close");
      const shopRequests = (await recordedRequests(stack.shop)).filter(
        (request) => request.service !== "auth",
      );
      expect(shopRequests).toEqual([]);
    });
  });

  describe(`${routes.app}: orders`, () => {
    it("places the cart as an order: 201 with Location, then GET answers it", async () => {
      await putLine("c3", "p1", { quantity: 2 });
      const response = await postOrder("c3", key(), { shippingMethod: "standard" });
      expect(response.status).toBe(201);
      const { order } = (await response.json()) as OrderAnswer;
      expect(order).toMatchObject({ status: "placed", items: [{ productId: "p1", quantity: 2 }] });
      expect(order.total).toEqual({ amount: expect.any(Number), currency: expect.any(String) });
      expect(response.headers.get("location")).toBe(`${prefix}/orders/${order.orderId}`);
      const placed = await fetch(`${stack.bffs.first.url}${response.headers.get("location")}`, {
        headers: bearer(await token("c3")),
      });
      expect(placed.status).toBe(200);
      expect(((await placed.json()) as OrderAnswer).order.orderId).toBe(order.orderId);
      const sent = (await recordedRequests(stack.shop, "orders")).filter((r) => r.method === "POST");
      expect(sent).toHaveLength(1);
    });

    it("takes no body at all as standard shipping", async () => {
      await putLine("c3", "p1", { quantity: 1 });
      expect((await postOrder("c3", key())).status).toBe(201);
    });

    it("answers another customer's order and an unknown one with 404", async () => {
      await putLine("c3", "p1", { quantity: 1 });
      const { order } = (await (await postOrder("c3", key(), {})).json()) as OrderAnswer;
      const other = await fetch(url(`/orders/${order.orderId}`), { headers: bearer(await token("c1")) });
      await expectProblem(other, 404);
      const unknown = await fetch(url("/orders/no-such-order"), { headers: bearer(await token("c1")) });
      await expectProblem(unknown, 404);
    });

    it("makes one order of a double tap", async () => {
      await putLine("c3", "p1", { quantity: 1 });
      const k = key();
      const answers = await Promise.all([postOrder("c3", k, {}), postOrder("c3", k, {})]);
      const statuses = answers.map((r) => r.status).sort();
      expect([
        [201, 201],
        [201, 409],
      ]).toContainEqual(statuses);
      if (statuses[1] === 409) {
        const conflict = answers.find((r) => r.status === 409) as Response;
        expect(conflict.headers.get("retry-after")).toMatch(/^\d+$/);
      } else {
        expect(answers.map((r) => String(r.headers.get("idempotent-replayed"))).sort()).toEqual([
          "null",
          "true",
        ]);
      }
      expect(await ordersPlaced(stack.shop)).toBe(1);
    });

    it("replays a kept answer without calling any upstream", async () => {
      await putLine("c3", "p1", { quantity: 1 });
      const k = key();
      const first = await postOrder("c3", k, { shippingMethod: "express" });
      const firstBody = await first.json();
      await clearRecordedRequests(stack.shop);
      // Key order and spacing do not count.
      const again = await postOrder("c3", k, { shippingMethod: "express" });
      expect(again.status).toBe(201);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(again.headers.get("location")).toBe(first.headers.get("location"));
      expect(await again.json()).toEqual(firstBody);
      const shopRequests = (await recordedRequests(stack.shop)).filter(
        (request) => request.service !== "auth",
      );
      expect(shopRequests).toEqual([]);
    });

    it("answers a retry after reset-after-commit with the first order, and places no second one", async () => {
      await putLine("c3", "p1", { quantity: 1 });
      const k = key();
      await injectFault(stack.shop, "orders", { mode: "reset-after-commit" });
      const lost = await postOrder("c3", k, {});
      expect(lost.status).toBeGreaterThanOrEqual(502);
      await expectProblem(lost, lost.status);
      await fetch(`${stack.shop.control}/_faults`, { method: "DELETE" });
      const retry = await postOrder("c3", k, {});
      expect(retry.status).toBe(201);
      const { order } = (await retry.json()) as OrderAnswer;
      expect(await ordersPlaced(stack.shop)).toBe(1);
      const sent = (await recordedRequests(stack.shop, "orders")).filter((r) => r.method === "POST");
      expect(sent).toHaveLength(2);
      const again = await postOrder("c3", k, {});
      expect(((await again.json()) as OrderAnswer).order.orderId).toBe(order.orderId);
    });

    it("answers a write that timed out with 504, keeps no key for it, and its retry places exactly one order", async () => {
      await putLine("c3", "p1", { quantity: 1 });
      const k = key();
      // Longer than the orders timeout (UPSTREAM_TIMEOUT_MS, 800 ms): the BFF gives up and closes the request.
      await injectFault(stack.shop, "orders", { mode: "delay", ms: 5_000 });
      await expectProblem(await postOrder("c3", k, {}), 504);
      await fetch(`${stack.shop.control}/_faults`, { method: "DELETE" });
      const retry = await postOrder("c3", k, {});
      expect(retry.status).toBe(201);
      // Not a replay: a timed-out answer is not kept, so the retry went to the orders service.
      expect(retry.headers.get("idempotent-replayed")).toBeNull();
      const sent = (await recordedRequests(stack.shop, "orders")).filter((r) => r.method === "POST");
      expect(sent.map((r) => r.idempotencyKey)).toEqual([k, k]);
      expect(await ordersPlaced(stack.shop)).toBe(1);
    });

    it("answers another body under a used key with 422, and a missing or malformed key with 400", async () => {
      await putLine("c3", "p1", { quantity: 1 });
      const k = key();
      expect((await postOrder("c3", k, { shippingMethod: "standard" })).status).toBe(201);
      await expectProblem(await postOrder("c3", k, { shippingMethod: "express" }), 422);
      const missing = await expectProblem(await postOrder("c3", undefined, {}), 400);
      expect(missing.detail).toContain("Idempotency-Key");
      await expectProblem(await postOrder("c3", "short", {}), 400);
      expect(await ordersPlaced(stack.shop)).toBe(1);
    });

    it("answers a bad body with 400 naming the field, and keeps no key for it", async () => {
      await putLine("c3", "p1", { quantity: 1 });
      const k = key();
      const bad = await expectProblem(await postOrder("c3", k, { shippingMethod: "teleport" }), 400);
      expect(bad.detail).toContain("shippingMethod");
      expect((await postOrder("c3", k, {})).status).toBe(201);
    });

    it("answers an empty cart with 422 and nothing reaches orders", async () => {
      await expectProblem(await postOrder("c3", key(), {}), 422);
      expect(await recordedRequests(stack.shop, "orders")).toEqual([]);
    });

    it("replays a kept problem with the new request's requestId", async () => {
      const k = key();
      const first = await expectProblem(await postOrder("c3", k, {}), 422);
      const again = await postOrder("c3", k, {});
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      const replayed = await expectProblem(again, 422);
      expect(replayed.requestId).not.toBe(first.requestId);
      expect(replayed.detail).toBe(first.detail);
    });

    it("relays out of stock as 409", async () => {
      await putLine("c3", "p1", { quantity: 99 });
      const body = await expectProblem(await postOrder("c3", key(), {}), 409);
      expect(body.detail).toContain("out_of_stock");
    });

    it("shares keys between two instances on one Redis: one key, one order", async () => {
      await putLine("c3", "p1", { quantity: 1 });
      const k = key();
      const first = await postOrder("c3", k, {}, `${stack.bffs.first.url}${prefix}`);
      expect(first.status).toBe(201);
      await clearRecordedRequests(stack.shop);
      const second = await postOrder("c3", k, {}, `${stack.bffs.second.url}${prefix}`);
      expect(second.status).toBe(201);
      expect(second.headers.get("idempotent-replayed")).toBe("true");
      expect(await second.json()).toEqual(await first.json());
      expect(await recordedRequests(stack.shop, "orders")).toEqual([]);
      expect(await ordersPlaced(stack.shop)).toBe(1);
    });
  });
}

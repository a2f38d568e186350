import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { createRequestContext, withIdentity } from "../context.js";
import { isGatewayError } from "../errors/index.js";
import { Exchange } from "../http/exchange.js";
import { idempotentRoute } from "../http/idempotent-route.js";
import type { JsonBodyStep } from "../http/json-body.js";
import type { Step } from "../http/route-table.js";
import { cartLineBody, orderBody } from "../http/shop-write-routes.js";
import { MemoryIdempotencyStore } from "../idempotency/memory-idempotency-store.js";
import { cartLineRequestSchema, idempotencyKeySchema, orderRequestSchema } from "./shop-writes.js";

// The documented bodies and header must accept exactly what the write
// routes accept: these drive the routes' own steps and compare.

function exchangeWith(body: string | undefined, headers: Record<string, string> = {}): Exchange {
  const req = {
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
  } as unknown as IncomingMessage;
  return new Exchange({
    req,
    method: "POST",
    path: "/orders",
    rawQuery: "",
    route: "/orders",
    params: {},
    ctx: withIdentity(createRequestContext({ deadlineMs: 1_000 }), { customerId: "c1" }),
    body: body === undefined ? undefined : Buffer.from(body),
    bodyRefusal: undefined,
  });
}

/** Whether `step` lets the request through (a 400 is a refusal; anything else is a bug). */
async function passes(step: Step, exchange: Exchange): Promise<boolean> {
  try {
    await step(exchange);
    return true;
  } catch (error) {
    if (isGatewayError(error) && error.status === 400) return false;
    throw error;
  }
}

const BODIES: readonly unknown[] = [
  {},
  { quantity: 0 },
  { quantity: 1 },
  { quantity: 99 },
  { quantity: 100 },
  { quantity: -1 },
  { quantity: 1.5 },
  { quantity: "1" },
  { quantity: null },
  { quantity: 1, extra: true },
  { shippingMethod: "standard" },
  { shippingMethod: "express" },
  { shippingMethod: "drone" },
  { shippingMethod: "express", quantity: 1 },
  { shippingMethod: null },
  [],
  null,
  "text",
  3,
];

describe("the write routes' documented bodies", () => {
  it.each([
    ["PUT /cart/items/{productId}", cartLineBody, cartLineRequestSchema],
    ["POST /orders", orderBody, orderRequestSchema],
  ] as [string, JsonBodyStep<unknown>, z.ZodType][])(
    "%s: the schema accepts the bodies the route accepts, and only those",
    async (_route, step, schema) => {
      for (const body of BODIES) {
        const served = await passes(step, exchangeWith(JSON.stringify(body)));
        expect(schema.safeParse(body).success, JSON.stringify(body)).toBe(served);
      }
    },
  );

  it("POST /orders: no body is the documented default", async () => {
    const exchange = exchangeWith(undefined);
    await orderBody(exchange);
    expect(orderBody.of(exchange)).toEqual(orderRequestSchema.parse({}));
  });
});

describe("the documented Idempotency-Key", () => {
  it("accepts the keys the order route accepts, and only those", async () => {
    const route = idempotentRoute(
      { store: new MemoryIdempotencyStore(), requestDeadlineMs: 1_000, ttlS: 60 },
      async () => ({ status: 201, headers: {}, body: {} }),
    );
    const keys = [
      "abcdefgh",
      "abcdefg",
      "a".repeat(128),
      "a".repeat(129),
      "order:2026-01-01_7f.3a",
      "with space1",
      "slash/1234",
      "ключ12345",
      "",
    ];
    for (const [i, key] of keys.entries()) {
      // Each under its own customer: a kept answer is never replayed across the cases.
      const exchange = exchangeWith(undefined, key === "" ? {} : { "idempotency-key": key });
      exchange.ctx = withIdentity(exchange.ctx, { customerId: `c${i}` });
      expect(idempotencyKeySchema.safeParse(key).success, key).toBe(await passes(route, exchange));
    }
  });
});

import {
  CartEmptyError,
  contextOf,
  type Gateway,
  idempotentRoute,
  jsonBody,
  NotFoundError,
  type PlacedOrder,
  requireId,
  sendJson,
} from "@portico/core";
import type { Request, Response } from "express";
import { z } from "zod";

/** `POST /orders`'s body (contract 2.6): optional, shipping `standard` by default. */
export const orderBody = jsonBody(
  z.object({ shippingMethod: z.enum(["standard", "express"]).default("standard") }).strict(),
  { optional: true },
);

/** The client's order: never the customer id. */
function orderAnswer({ orderId, placedAt, status, total, items }: PlacedOrder) {
  return {
    order: {
      orderId,
      placedAt,
      status,
      total,
      items: items.map(({ productId, quantity }) => ({ productId, quantity })),
    },
  };
}

/**
 * `POST /orders` (after `orderBody`): reads the customer's cart and places
 * the order with its lines, under the client's `Idempotency-Key` (kept,
 * replayed and forwarded to the orders service). An empty cart is 422 and
 * nothing reaches orders. `orderPath` is this BFF's own path of the order.
 */
export function placeOrder(gateway: Gateway, orderPath: (orderId: string) => string) {
  const { shop, config, idempotency } = gateway;
  return idempotentRoute(
    {
      store: idempotency,
      requestDeadlineMs: config.requestDeadlineMs,
      ttlS: config.idempotencyTtlS,
      bodyOf: orderBody.rawOf,
    },
    async (_req, res, key) => {
      const ctx = contextOf(res);
      const customerId = ctx.identity?.customerId as string;
      const { shippingMethod } = orderBody.of(res);
      const cart = await shop.cart(ctx, customerId);
      if (cart.items.length === 0) throw new CartEmptyError();
      const order = await shop.placeOrder(ctx, { customerId, items: cart.items, shippingMethod }, key);
      return { status: 201, headers: { Location: orderPath(order.orderId) }, body: orderAnswer(order) };
    },
  );
}

/** `GET /orders/{orderId}`: the customer's own order; another's, or an unknown one, is 404. */
export function order(gateway: Gateway) {
  return async function order(req: Request, res: Response): Promise<void> {
    const ctx = contextOf(res);
    const orderId = requireId(req.params.orderId, "orderId");
    const placed = await gateway.shop.order(ctx, orderId);
    if (placed.customerId !== ctx.identity?.customerId) throw new NotFoundError("No such order");
    sendJson(res, orderAnswer(placed));
  };
}

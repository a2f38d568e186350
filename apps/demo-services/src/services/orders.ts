import express, { Router } from "express";
import { z } from "zod";
import { ID_PATTERN, isValidIdempotencyKey } from "../ids.js";
import type { OrderDetails } from "../model.js";
import type { DemoStore } from "../store/demo-store.js";
import { MAX_LINE_QUANTITY } from "./cart.js";
import { badBody, badRequest, limitParam, notFound, pathId, requiredIdParam } from "./http-answers.js";

/** The most lines one order takes. */
export const MAX_ORDER_LINES = 100;

const id = z.string().regex(ID_PATTERN, "must be an id matching ^[A-Za-z0-9_-]{1,64}$");

const orderBody = z.strictObject({
  customerId: id,
  items: z
    .array(z.strictObject({ productId: id, quantity: z.number().int().min(1).max(MAX_LINE_QUANTITY) }))
    .min(1)
    .max(MAX_ORDER_LINES)
    .superRefine((items, ctx) => {
      const seen = new Set<string>();
      items.forEach((item, i) => {
        if (seen.has(item.productId))
          ctx.addIssue({ code: "custom", path: [i, "productId"], message: "the same product twice" });
        seen.add(item.productId);
      });
    }),
  shippingMethod: z.enum(["standard", "express", "freight", "pickup"]).default("standard"),
});

/** The answer to `POST /orders`: the order without its owner. */
function placedAnswer({ orderId, placedAt, status, total, items }: OrderDetails) {
  return { orderId, placedAt, status, total, items };
}

/**
 * `GET /orders?customerId=&limit=`: newest first (limit default 10, at most 50).
 * `GET /orders/{orderId}`: the order with `customerId` and its lines.
 * `POST /orders` with an `Idempotency-Key`: places an order (201), or answers
 * the one this customer already placed with that key (200, nothing new).
 */
export function ordersRoutes(store: DemoStore): Router {
  const router = Router();

  router.get("/orders", (req, res) => {
    const customerId = requiredIdParam(req, res, "customerId");
    if (customerId === undefined) return;
    const limit = limitParam(req, res, { fallback: 10, max: 50 });
    if (limit === undefined) return;
    const orders = store.listOrders(customerId);
    if (!orders) return notFound(res);
    res.json({
      items: orders.slice(0, limit).map(({ orderId, placedAt, status, total }) => ({
        orderId,
        placedAt,
        status,
        total,
      })),
    });
  });

  router.get("/orders/:orderId", (req, res) => {
    const orderId = pathId(req, res, "orderId");
    if (orderId === undefined) return;
    const order = store.getOrder(orderId);
    if (!order) return notFound(res);
    const { customerId, placedAt, status, total, items } = order;
    res.json({ orderId, customerId, placedAt, status, total, items });
  });

  router.post("/orders", express.json({ limit: "64kb" }), (req, res) => {
    const idempotencyKey = req.get("idempotency-key");
    if (!isValidIdempotencyKey(idempotencyKey)) {
      return badRequest(res, 'header "Idempotency-Key" must match ^[A-Za-z0-9._:-]{8,128}$');
    }
    const body = orderBody.safeParse(req.body);
    if (!body.success) return badBody(res, body.error);
    const result = store.placeOrder({ ...body.data, idempotencyKey });
    switch (result.outcome) {
      case "placed":
        res.status(201).json(placedAnswer(result.order));
        return;
      case "replayed":
        res.status(200).json(placedAnswer(result.order));
        return;
      case "unknown_customer":
        res.status(404).json({ error: "unknown_customer" });
        return;
      case "unknown_product":
        res.status(404).json({ error: "unknown_product", productId: result.productId });
        return;
      case "out_of_stock":
        res.status(409).json({ error: "out_of_stock", productId: result.productId });
        return;
    }
  });

  return router;
}

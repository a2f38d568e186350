import express, { Router } from "express";
import { z } from "zod";
import type { DemoStore } from "../store/demo-store.js";
import { badBody, notFound, pathId } from "./http-answers.js";

/** The most units of one product a cart line holds. */
export const MAX_LINE_QUANTITY = 99;

const quantityBody = z.strictObject({ quantity: z.number().int().min(0).max(MAX_LINE_QUANTITY) });

/**
 * `GET /carts/{customerId}`; `itemCount` is the sum of quantities, not of lines.
 * `PUT /carts/{customerId}/items/{productId}` `{quantity}` (0 removes the
 * line) and `DELETE` of the same path answer the cart as `GET` does; a
 * product not in the catalog is `404 {"error":"unknown_product"}`.
 */
export function cartRoutes(store: DemoStore): Router {
  const router = Router();

  router.get("/carts/:customerId", (req, res) => {
    const customerId = pathId(req, res, "customerId");
    if (customerId === undefined) return;
    const cart = store.getCart(customerId);
    if (!cart) return notFound(res);
    res.json(cart);
  });

  const change = (customerId: string, productId: string, quantity: number, res: express.Response) => {
    const result = store.setCartQuantity(customerId, productId, quantity);
    switch (result.outcome) {
      case "changed":
        res.json(result.cart);
        return;
      case "unknown_customer":
        notFound(res);
        return;
      case "unknown_product":
        res.status(404).json({ error: "unknown_product" });
        return;
    }
  };

  router.put("/carts/:customerId/items/:productId", express.json({ limit: "64kb" }), (req, res) => {
    const customerId = pathId(req, res, "customerId");
    if (customerId === undefined) return;
    const productId = pathId(req, res, "productId");
    if (productId === undefined) return;
    const body = quantityBody.safeParse(req.body);
    if (!body.success) return badBody(res, body.error);
    change(customerId, productId, body.data.quantity, res);
  });

  router.delete("/carts/:customerId/items/:productId", (req, res) => {
    const customerId = pathId(req, res, "customerId");
    if (customerId === undefined) return;
    const productId = pathId(req, res, "productId");
    if (productId === undefined) return;
    change(customerId, productId, 0, res);
  });

  return router;
}

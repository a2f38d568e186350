import { Router } from "express";
import { ownEntry } from "../seed/own-entry.js";
import type { DemoStore } from "../store/demo-store.js";
import { notFound, pathId } from "./http-answers.js";

/** `GET /carts/{customerId}`; `itemCount` is the sum of quantities, not of lines. */
export function cartRoutes(store: DemoStore): Router {
  const router = Router();
  router.get("/carts/:customerId", (req, res) => {
    const customerId = pathId(req, res, "customerId");
    if (customerId === undefined) return;
    const items = ownEntry(store.seed.carts, customerId);
    if (!items) return notFound(res);
    const itemCount = items.reduce((sum, item) => sum + item.quantity, 0);
    res.json({ customerId, items, itemCount });
  });
  return router;
}

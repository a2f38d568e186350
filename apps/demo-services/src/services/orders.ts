import { Router } from "express";
import { ownEntry } from "../seed/own-entry.js";
import type { DemoStore } from "../store/demo-store.js";
import { limitParam, notFound, requiredIdParam } from "./http-answers.js";

/** `GET /orders?customerId=&limit=`: newest first (limit default 10, at most 50). */
export function ordersRoutes(store: DemoStore): Router {
  const router = Router();
  router.get("/orders", (req, res) => {
    const customerId = requiredIdParam(req, res, "customerId");
    if (customerId === undefined) return;
    const limit = limitParam(req, res, { fallback: 10, max: 50 });
    if (limit === undefined) return;
    const orders = ownEntry(store.seed.orders, customerId);
    if (!orders) return notFound(res);
    // ISO-8601 UTC strings of one format sort like the instants they name.
    const newestFirst = [...orders].sort((a, b) =>
      a.placedAt < b.placedAt ? 1 : a.placedAt > b.placedAt ? -1 : 0,
    );
    res.json({ items: newestFirst.slice(0, limit) });
  });
  return router;
}

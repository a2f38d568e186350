import { Router } from "express";
import { ownEntry } from "../seed/own-entry.js";
import type { DemoStore } from "../store/demo-store.js";
import { limitParam, notFound, requiredIdParam } from "./http-answers.js";

/** `GET /recommendations?productId=&limit=` (limit default 10, at most 50). */
export function recommendationsRoutes(store: DemoStore): Router {
  const router = Router();
  router.get("/recommendations", (req, res) => {
    const productId = requiredIdParam(req, res, "productId");
    if (productId === undefined) return;
    const limit = limitParam(req, res, { fallback: 10, max: 50 });
    if (limit === undefined) return;
    const items = ownEntry(store.seed.recommendations, productId);
    if (!items) return notFound(res);
    res.json({ items: items.slice(0, limit) });
  });
  return router;
}

import { Router } from "express";
import { ownEntry } from "../seed/own-entry.js";
import { averageRating } from "../seed/reviews.js";
import type { DemoStore } from "../store/demo-store.js";
import { limitParam, notFound, requiredIdParam } from "./http-answers.js";

/**
 * `GET /reviews?productId=&limit=`: newest first; `limit` (default 10, at
 * most 50) caps `items` only, `count` and `average` cover every review.
 */
export function reviewsRoutes(store: DemoStore): Router {
  const router = Router();
  router.get("/reviews", (req, res) => {
    const productId = requiredIdParam(req, res, "productId");
    if (productId === undefined) return;
    const limit = limitParam(req, res, { fallback: 10, max: 50 });
    if (limit === undefined) return;
    const reviews = ownEntry(store.seed.reviews, productId);
    if (!reviews) return notFound(res);
    res.json({
      productId,
      average: averageRating(reviews),
      count: reviews.length,
      items: reviews.slice(0, limit),
    });
  });
  return router;
}

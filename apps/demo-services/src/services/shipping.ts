import { Router } from "express";
import { ownEntry } from "../seed/own-entry.js";
import type { DemoStore } from "../store/demo-store.js";
import { notFound, requiredIdParam } from "./http-answers.js";

/** `GET /quotes?productId=`. */
export function shippingRoutes(store: DemoStore): Router {
  const router = Router();
  router.get("/quotes", (req, res) => {
    const productId = requiredIdParam(req, res, "productId");
    if (productId === undefined) return;
    const options = ownEntry(store.seed.shipping, productId);
    if (!options) return notFound(res);
    res.json({ options });
  });
  return router;
}

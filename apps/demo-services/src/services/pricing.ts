import { Router } from "express";
import type { DemoStore } from "../store/demo-store.js";
import { idsParam, notFound, pathId } from "./http-answers.js";

/** `GET /prices/{id}` and `GET /prices?ids=a,b` (unknown ids left out). */
export function pricingRoutes(store: DemoStore): Router {
  const router = Router();
  router.get("/prices/:id", (req, res) => {
    const id = pathId(req, res);
    if (id === undefined) return;
    const price = store.getPrice(id);
    if (!price) return notFound(res);
    res.json(price);
  });
  router.get("/prices", (req, res) => {
    const ids = idsParam(req, res);
    if (!ids) return;
    res.json({ items: ids.flatMap((id) => store.getPrice(id) ?? []) });
  });
  return router;
}

import { Router } from "express";
import type { Product } from "../model.js";
import type { DemoStore } from "../store/demo-store.js";
import { idsParam, notFound, pathId } from "./http-answers.js";

/** `GET /products/{id}` and `GET /products?ids=a,b` (unknown ids left out). */
export function catalogRoutes(store: DemoStore): Router {
  const byId = new Map<string, Product>(store.seed.products.map((p) => [p.id, p]));
  const router = Router();
  router.get("/products/:id", (req, res) => {
    const id = pathId(req, res);
    if (id === undefined) return;
    const product = byId.get(id);
    if (!product) return notFound(res);
    res.json(product);
  });
  router.get("/products", (req, res) => {
    const ids = idsParam(req, res);
    if (!ids) return;
    res.json({ items: ids.flatMap((id) => byId.get(id) ?? []) });
  });
  return router;
}

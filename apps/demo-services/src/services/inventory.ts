import { Router } from "express";
import type { DemoStore } from "../store/demo-store.js";
import { idsParam, notFound, pathId } from "./http-answers.js";

/**
 * `GET /stock/{id}`, plus `GET /stock?ids=a,b` (`{items:[stock]}`, unknown
 * ids left out): not in the contract table, added for batch callers like
 * the partner API, in the same form as the catalog and pricing batches.
 */
export function inventoryRoutes(store: DemoStore): Router {
  const router = Router();
  router.get("/stock/:id", (req, res) => {
    const id = pathId(req, res);
    if (id === undefined) return;
    const stock = store.getStock(id);
    if (!stock) return notFound(res);
    res.json(stock);
  });
  router.get("/stock", (req, res) => {
    const ids = idsParam(req, res);
    if (!ids) return;
    res.json({ items: ids.flatMap((id) => store.getStock(id) ?? []) });
  });
  return router;
}

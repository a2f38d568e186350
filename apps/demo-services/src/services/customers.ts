import { Router } from "express";
import type { Customer } from "../model.js";
import type { DemoStore } from "../store/demo-store.js";
import { notFound, pathId } from "./http-answers.js";

/** `GET /customers/{id}`. */
export function customersRoutes(store: DemoStore): Router {
  const byId = new Map<string, Customer>(store.seed.customers.map((c) => [c.id, c]));
  const router = Router();
  router.get("/customers/:id", (req, res) => {
    const id = pathId(req, res);
    if (id === undefined) return;
    const customer = byId.get(id);
    if (!customer) return notFound(res);
    res.json(customer);
  });
  return router;
}

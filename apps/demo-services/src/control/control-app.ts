import { isServiceName, type ServiceName } from "@portico/core";
import express, { type Express, type Request, type Response } from "express";
import { z } from "zod";
import { faultSchema } from "../faults/fault-schema.js";
import { isValidId } from "../ids.js";
import type { RequestRecorder } from "../recording/request-recorder.js";
import type { ServiceInstance } from "../server/service-instance.js";
import { badRequest, notFound } from "../services/http-answers.js";
import { jsonErrors } from "../services/json-errors.js";
import type { DemoStore } from "../store/demo-store.js";

export interface ControlDeps {
  /** The services running in this process, in contract order. */
  readonly instances: ReadonlyMap<ServiceName, ServiceInstance>;
  readonly recorder: RequestRecorder;
  readonly store: DemoStore;
}

const stockChange = z.strictObject({ available: z.number().int().min(0).max(1_000_000_000) });
const priceChange = z.strictObject({ amount: z.number().int().min(0).max(1_000_000_000) });

/**
 * The control server: faults for every service (the only way to reach one
 * that refuses connections), the request log, counters, admin data changes
 * and the count of orders placed.
 */
export function createControlApp({ instances, recorder, store }: ControlDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.use(express.json({ limit: "64kb" }));

  /** The instance named by `:service`, or undefined after answering 404. */
  const instanceOf = (req: Request, res: Response): ServiceInstance | undefined => {
    const name = req.params.service;
    const instance = isServiceName(name) ? instances.get(name) : undefined;
    if (!instance) res.status(404).json({ error: "unknown_service", detail: `no service "${name}" here` });
    return instance;
  };

  /** The optional `?service=` filter: null when absent, undefined after answering 400. */
  const serviceFilter = (req: Request, res: Response): ServiceName | null | undefined => {
    const name = req.query.service;
    if (name === undefined) return null;
    if (isServiceName(name) && instances.has(name)) return name;
    badRequest(res, `query parameter "service" must be one of: ${[...instances.keys()].join(", ")}`);
    return undefined;
  };

  const perService = <T>(fn: (instance: ServiceInstance) => T): Record<string, T> =>
    Object.fromEntries([...instances.values()].map((instance) => [instance.name, fn(instance)]));

  app.get("/health", (_req, res) => {
    res.json({ status: "ok", service: "control", services: perService((i) => i.url) });
  });

  app.get("/_faults", (_req, res) => {
    res.json(perService((i) => i.faults.current));
  });
  app.delete("/_faults", async (_req, res) => {
    await Promise.all([...instances.values()].map((i) => i.setFault(null)));
    res.status(204).end();
  });
  app.get("/_faults/:service", (req, res) => {
    const instance = instanceOf(req, res);
    if (instance) res.json({ service: instance.name, fault: instance.faults.current });
  });
  app.post("/_faults/:service", async (req, res) => {
    const instance = instanceOf(req, res);
    if (!instance) return;
    const parsed = faultSchema.safeParse(req.body);
    if (!parsed.success) return badRequest(res, z.prettifyError(parsed.error));
    await instance.setFault(parsed.data);
    res.status(204).end();
  });
  app.delete("/_faults/:service", async (req, res) => {
    const instance = instanceOf(req, res);
    if (!instance) return;
    await instance.setFault(null);
    res.status(204).end();
  });

  app.get("/_requests", (req, res) => {
    const service = serviceFilter(req, res);
    if (service === undefined) return;
    res.json({ items: recorder.list(service ?? undefined) });
  });
  app.delete("/_requests", (req, res) => {
    const service = serviceFilter(req, res);
    if (service === undefined) return;
    recorder.clear(service ?? undefined);
    res.status(204).end();
  });

  app.get("/_stats", (_req, res) => {
    res.json(perService((i) => recorder.snapshot(i.name)));
  });
  app.get("/_stats/:service", (req, res) => {
    const instance = instanceOf(req, res);
    if (instance) res.json(recorder.snapshot(instance.name));
  });
  app.delete("/_stats", (_req, res) => {
    for (const name of instances.keys()) recorder.resetStats(name);
    res.status(204).end();
  });

  app.post("/_admin/stock/:productId", (req, res) => {
    const productId = req.params.productId;
    const parsed = stockChange.safeParse(req.body);
    if (!isValidId(productId) || !parsed.success)
      return badRequest(res, 'body must be {"available": n}, n >= 0');
    const stock = store.setStock(productId, parsed.data.available);
    if (!stock) return notFound(res);
    res.json(stock);
  });
  app.post("/_admin/prices/:productId", (req, res) => {
    const productId = req.params.productId;
    const parsed = priceChange.safeParse(req.body);
    if (!isValidId(productId) || !parsed.success)
      return badRequest(res, 'body must be {"amount": n}, n >= 0');
    const price = store.setPriceAmount(productId, parsed.data.amount);
    if (!price) return notFound(res);
    res.json(price);
  });
  app.get("/_admin/orders/count", (_req, res) => {
    res.json(store.orderCount());
  });
  app.post("/_admin/reset", (_req, res) => {
    store.reset();
    res.status(204).end();
  });

  app.use((_req, res) => notFound(res));
  app.use(jsonErrors());
  return app;
}

import type { ServiceName } from "@portico/core";
import express, { type Express, type Router } from "express";
import { z } from "zod";
import { faultSchema } from "../faults/fault-schema.js";
import { injectFaults } from "../faults/inject-faults.js";
import { recordRequests } from "../recording/record-requests.js";
import type { RequestRecorder } from "../recording/request-recorder.js";
import type { FaultControl } from "../server/service-instance.js";
import { badRequest, notFound } from "./http-answers.js";
import { jsonErrors } from "./json-errors.js";

export interface ServiceAppDeps extends FaultControl {
  readonly name: ServiceName;
  /** The service's own routes (contract section 3). */
  readonly routes: Router;
  readonly recorder: RequestRecorder;
}

/**
 * The express app of one service: `/_faults` control (never faulted), then
 * recording, then fault injection, then `/health` and the service's routes.
 */
export function createServiceApp({ name, routes, faults, setFault, recorder }: ServiceAppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");

  app.get("/_faults", (_req, res) => {
    res.json({ service: name, fault: faults.current });
  });
  app.post("/_faults", express.json({ limit: "64kb" }), async (req, res) => {
    const parsed = faultSchema.safeParse(req.body);
    if (!parsed.success) return badRequest(res, z.prettifyError(parsed.error));
    await setFault(parsed.data);
    // Once refusing, this connection must not be reused for a request that would vanish.
    if (parsed.data.mode === "refuse") res.set("connection", "close");
    res.status(204).end();
  });
  app.delete("/_faults", async (_req, res) => {
    await setFault(null);
    res.status(204).end();
  });

  app.use(recordRequests(name, recorder));
  app.use(injectFaults(faults));
  app.get("/health", (_req, res) => {
    res.json({ status: "ok", service: name });
  });
  app.use(routes);
  app.use((_req, res) => notFound(res));
  app.use(jsonErrors());
  return app;
}

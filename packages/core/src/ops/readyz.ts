import type { Request, RequestHandler, Response } from "express";
import type { RequestContext } from "../context.js";
import { GatewayError } from "../errors/index.js";
import { sendProblem } from "../http/problem.js";
import type { GatewayObservability } from "../observability/gateway-observability.js";

/**
 * `GET /readyz`: 200 `{"status":"ready"}`, or 503 problem+json while a
 * required upstream's circuit is open (code `CIRCUIT_OPEN`, `Retry-After: 1`)
 * or the app is shutting down (code `OVERLOADED`). A half-open circuit is
 * ready: its trial call needs traffic to close it.
 */
export function readinessProbe(observability: GatewayObservability): RequestHandler {
  return function readinessProbe(req: Request, res: Response): void {
    res.setHeader("Cache-Control", "no-store");
    const readiness = observability.readiness();
    if (readiness.ready) {
      res.json({ status: "ready" });
      return;
    }
    const ctx = res.locals.ctx as RequestContext | undefined;
    const error = readiness.shuttingDown
      ? new GatewayError("OVERLOADED", "Not ready: shutting down")
      : new GatewayError(
          "CIRCUIT_OPEN",
          `Not ready: the circuit of ${readiness.openCircuits.join(", ")} is open`,
          { retryAfterS: 1 },
        );
    sendProblem(res, error, req.path, ctx);
  };
}

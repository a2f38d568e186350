import type { ServiceName } from "@portico/core";
import type { NextFunction, Request, Response } from "express";
import type { RequestRecorder } from "./request-recorder.js";
import { wasServerAborted } from "./server-aborted.js";

function header(req: Request, name: string): string | null {
  const value = req.headers[name];
  return typeof value === "string" ? value : null;
}

/** Paths that are not traffic a BFF sends on behalf of a client. */
export function isUnrecordedPath(path: string): boolean {
  return path === "/health" || path === "/_faults" || path.startsWith("/_faults/");
}

/**
 * Middleware that records each request and keeps the in-flight and
 * closed-by-client counters. It runs before fault injection, so a request
 * that is then delayed, hung or failed is still seen arriving.
 */
export function recordRequests(service: ServiceName, recorder: RequestRecorder) {
  return function recordRequests(req: Request, res: Response, next: NextFunction): void {
    if (isUnrecordedPath(req.path)) {
      next();
      return;
    }
    const queryAt = req.originalUrl.indexOf("?");
    recorder.record({
      service,
      method: req.method,
      path: req.path,
      query: queryAt === -1 ? "" : req.originalUrl.slice(queryAt + 1),
      requestId: header(req, "x-request-id"),
      traceparent: header(req, "traceparent"),
      idempotencyKey: header(req, "idempotency-key"),
      at: new Date().toISOString(),
    });
    const stats = recorder.stats(service);
    stats.total++;
    stats.inFlight++;
    res.once("close", () => {
      stats.inFlight--;
      if (!res.writableFinished && !wasServerAborted(res)) stats.closedByClient++;
    });
    next();
  };
}

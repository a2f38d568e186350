import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { GatewayMetrics } from "../observability/gateway-metrics.js";

/** `GET /metrics`: the BFF's Prometheus metrics in the text exposition format. */
export function metricsRoute(metrics: GatewayMetrics): RequestHandler {
  return async function metricsRoute(_req: Request, res: Response, next: NextFunction): Promise<void> {
    try {
      const text = await metrics.text();
      res.setHeader("Content-Type", metrics.contentType);
      res.setHeader("Cache-Control", "no-store");
      res.end(text);
    } catch (error) {
      next(error);
    }
  };
}

import type { NextFunction, Request, RequestHandler, Response } from "express";
import { withCompositionSink } from "../compose/composition-sink.js";
import type { RequestContext } from "../context.js";
import { setContext } from "../http/context-middleware.js";
import type { GatewayObservability } from "../observability/gateway-observability.js";
import { CompositionCapture } from "./composition-capture.js";

/** The label of a request no route matched (404, or shed before routing). */
export const UNMATCHED_ROUTE = "unmatched";

/**
 * Observes every client request that reaches the app's routes: when its
 * answer is finished (or the client went away: status 499), it reports the
 * route template (`req.route.path`, never the raw URL), status, duration
 * and the compositions' parts to `observability`, which counts, times,
 * logs one line and keeps composites for the waterfall.
 *
 * Per request it allocates the capture of its compositions, a context copy
 * that carries it, and one listener; the rest happens once the answer is out.
 */
export function observeRequests(observability: GatewayObservability): RequestHandler {
  return function observeRequests(req: Request, res: Response, next: NextFunction): void {
    const started = performance.now();
    const capture = new CompositionCapture();
    const ctx = res.locals.ctx as RequestContext | undefined;
    if (ctx !== undefined) setContext(res, withCompositionSink(ctx, capture));
    observability.requestStarted();
    let reported = false;
    const report = () => {
      if (reported) return;
      reported = true;
      const route = req.route?.path;
      const serverTiming = res.getHeader("Server-Timing");
      const current = res.locals.ctx as RequestContext | undefined;
      observability.recordRequest({
        method: req.method,
        route: typeof route === "string" ? `${req.baseUrl}${route}` : UNMATCHED_ROUTE,
        path: req.path,
        status: res.writableFinished ? res.statusCode : 499,
        durationMs: performance.now() - started,
        requestId: current?.requestId ?? String(res.getHeader("X-Request-Id") ?? ""),
        traceId: current?.trace.traceId ?? "",
        parts: capture.parts,
        degraded: capture.degraded,
        serverTiming: typeof serverTiming === "string" ? serverTiming : undefined,
      });
    };
    // 'close' follows every response, finished or aborted.
    res.once("close", report);
    next();
  };
}

import type { NextFunction, Request, RequestHandler, Response } from "express";
import { OverloadedError } from "../errors/index.js";
import { EventLoopLag } from "./event-loop-lag.js";
import { sendProblem } from "./problem.js";

/** Paths that answer even when the gateway sheds load: orchestrators and scrapers must see it. */
export const UNSHED_PATHS: readonly string[] = ["/healthz", "/readyz", "/metrics"];

export interface LoadSheddingOptions {
  /** Requests in progress before new ones are shed (`MAX_INFLIGHT`); default 1024. */
  maxInflight?: number;
  /**
   * Smoothed event-loop lag, in ms, above which new requests are shed
   * (`MAX_EVENT_LOOP_LAG_MS`); default 500; 0 turns the lag check off.
   */
  maxEventLoopLagMs?: number;
  /** Paths never shed nor counted; default `UNSHED_PATHS`. */
  exemptPaths?: readonly string[];
  /** The lag monitor; default a new `EventLoopLag`. */
  lag?: { readonly lagMs: number; touch(): void };
}

/** What the shedder sees, for metrics and tests. */
export interface LoadShedder {
  readonly middleware: RequestHandler;
  /** Requests in progress right now (exempt paths not counted). */
  readonly inflight: number;
  /** Requests shed since start. */
  readonly shed: number;
  /**
   * For a path that does not go through `middleware` (the fast path): takes
   * an in-flight slot and returns true, or returns false, taking nothing,
   * when the request would be shed (the middleware then sheds it).
   */
  tryEnter(): boolean;
  /** Gives back a slot taken by `tryEnter`. */
  leave(): void;
}

/**
 * Sheds load instead of queueing it: when `maxInflight` requests are
 * already in progress, or the event loop has been lagging beyond
 * `maxEventLoopLagMs`, a new request is answered at once with 503
 * problem+json and `Retry-After: 1`, before any work is done for it.
 * Health and metrics paths are never shed.
 */
export function loadShedding({
  maxInflight = 1024,
  maxEventLoopLagMs = 500,
  exemptPaths = UNSHED_PATHS,
  lag = new EventLoopLag(),
}: LoadSheddingOptions = {}): LoadShedder {
  const exempt = new Set(exemptPaths);
  let inflight = 0;
  let shed = 0;
  const overloaded = () => {
    if (maxEventLoopLagMs > 0) lag.touch();
    return inflight >= maxInflight || (maxEventLoopLagMs > 0 && lag.lagMs > maxEventLoopLagMs);
  };
  const middleware = function loadShedding(req: Request, res: Response, next: NextFunction): void {
    if (exempt.has(req.path)) {
      next();
      return;
    }
    if (overloaded()) {
      shed++;
      sendProblem(res, new OverloadedError(), req.path, res.locals.ctx);
      return;
    }
    inflight++;
    // 'close' follows every response, finished or aborted: the slot is always given back.
    res.once("close", () => {
      inflight--;
    });
    next();
  };
  return {
    middleware,
    get inflight() {
      return inflight;
    },
    get shed() {
      return shed;
    },
    tryEnter() {
      if (overloaded()) return false;
      inflight++;
      return true;
    },
    leave() {
      inflight--;
    },
  };
}

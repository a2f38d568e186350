import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { RequestContext } from "../context.js";
import { RateLimitedError } from "../errors/index.js";
import { contextOf } from "../http/context-middleware.js";
import type { RateLimiter } from "./rate-limiter.js";

/** The bucket one request counts against, and its size per window. */
export interface Quota {
  readonly key: string;
  readonly limit: number;
}

export interface RateLimitOptions {
  limiter: RateLimiter;
  /**
   * The quota of this request, usually from the authenticated identity
   * (`ctx.identity.partner`). `undefined` lets the request through unmetered.
   */
  quotaOf: (ctx: RequestContext, req: Request) => Quota | undefined;
  /**
   * Told when the limiter itself fails (e.g. its shared store is down). The
   * request then passes without RateLimit headers: a broken counter must not
   * take the API down with it.
   */
  onLimiterError?: (error: unknown) => void;
}

/**
 * Applies a rate limiter per request. Every metered answer carries
 * `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds,
 * draft-ietf-httpapi-ratelimit-headers); over quota, the request ends in a
 * 429 problem with `Retry-After`.
 *
 * ```ts
 * app.get("/v1/things", requireApiKey(keys), rateLimit({ limiter, quotaOf: (ctx) => quotaOfPartner(ctx) }), handler);
 * ```
 */
export function rateLimit({ limiter, quotaOf, onLimiterError }: RateLimitOptions): RequestHandler {
  return async function rateLimit(req: Request, res: Response, next: NextFunction): Promise<void> {
    const quota = quotaOf(contextOf(res), req);
    if (quota === undefined) return next();
    let decision: Awaited<ReturnType<RateLimiter["consume"]>>;
    try {
      decision = await limiter.consume(quota.key, quota.limit);
    } catch (error) {
      onLimiterError?.(error);
      return next();
    }
    res.setHeader("RateLimit-Limit", String(decision.limit));
    res.setHeader("RateLimit-Remaining", String(decision.remaining));
    res.setHeader("RateLimit-Reset", String(decision.resetS));
    if (!decision.allowed) throw new RateLimitedError(decision.resetS);
    next();
  };
}

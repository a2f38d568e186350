import type { RequestContext } from "../context.js";
import { RateLimitedError } from "../errors/index.js";
import type { Exchange } from "../http/exchange.js";
import type { Step } from "../http/route-table.js";
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
  quotaOf: (ctx: RequestContext, exchange: Exchange) => Quota | undefined;
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
 * routes({ "/v1/things": { get: [requireApiKey(keys), rateLimit({ limiter, quotaOf: (ctx) => quotaOfPartner(ctx) }), handler] } });
 * ```
 */
export function rateLimit({ limiter, quotaOf, onLimiterError }: RateLimitOptions): Step {
  return async function rateLimit(exchange: Exchange): Promise<undefined> {
    const quota = quotaOf(exchange.ctx, exchange);
    if (quota === undefined) return undefined;
    let decision: Awaited<ReturnType<RateLimiter["consume"]>>;
    try {
      decision = await limiter.consume(quota.key, quota.limit);
    } catch (error) {
      onLimiterError?.(error);
      return undefined;
    }
    exchange.headers.push(
      "RateLimit-Limit",
      String(decision.limit),
      "RateLimit-Remaining",
      String(decision.remaining),
      "RateLimit-Reset",
      String(decision.resetS),
    );
    if (!decision.allowed) throw new RateLimitedError(decision.resetS);
    return undefined;
  };
}

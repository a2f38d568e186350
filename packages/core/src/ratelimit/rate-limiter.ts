/** The verdict on one request against its key's quota. */
export interface RateLimitDecision {
  /** False when the key has used up its quota for the current window. */
  readonly allowed: boolean;
  /** Requests allowed per window (the `RateLimit-Limit` header). */
  readonly limit: number;
  /** Requests left in the current window after this one (`RateLimit-Remaining`). */
  readonly remaining: number;
  /** Whole seconds, at least 1, until the window resets (`RateLimit-Reset`, and `Retry-After` on a 429). */
  readonly resetS: number;
}

/**
 * Counts requests per key against a quota. Asynchronous so that a shared
 * store (Redis) can back it and several gateway instances share one count.
 *
 * ```ts
 * const decision = await limiter.consume("partner:acme", 600);
 * if (!decision.allowed) throw new RateLimitedError(decision.resetS);
 * ```
 */
export interface RateLimiter {
  /**
   * Counts one request for `key` and says whether it is within `limit`
   * requests per window (a minute, unless the limiter was built otherwise).
   * A refused request is not counted.
   */
  consume(key: string, limit: number): Promise<RateLimitDecision>;
  close(): Promise<void>;
}

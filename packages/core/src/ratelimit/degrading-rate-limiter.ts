import type { RateLimitDecision, RateLimiter } from "./rate-limiter.js";

export interface DegradingRateLimiterOptions {
  /** The shared limiter (Redis). */
  primary: RateLimiter;
  /** Counts while the primary fails: usually a `MemoryRateLimiter` with the same window. */
  fallback: RateLimiter;
  /** After a primary failure, how long it is left alone before it is tried again. Default 5000 ms. */
  cooldownMs?: number;
  /**
   * A cheap check that the primary can be used at all (e.g. the Redis
   * connection is up). While false, the fallback counts, without a
   * cool-down: the primary is used again as soon as it is back.
   */
  available?: () => boolean;
  /** Told once per primary failure that starts a cool-down (logs). */
  onError?: (error: unknown) => void;
  /** The clock, in ms. Default `performance.now()`. */
  now?: () => number;
}

/**
 * A shared rate limiter that fails open to local counting: while the
 * primary (Redis) fails, each gateway instance counts on its own with the
 * fallback, so requests keep flowing and every key is still held to its
 * quota per instance (a fleet of N then admits up to N × the quota until
 * Redis is back). A failure makes the primary skipped for `cooldownMs`.
 */
export class DegradingRateLimiter implements RateLimiter {
  readonly #primary: RateLimiter;
  readonly #fallback: RateLimiter;
  readonly #cooldownMs: number;
  readonly #available: () => boolean;
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #now: () => number;
  #downUntil = Number.NEGATIVE_INFINITY;

  constructor({
    primary,
    fallback,
    cooldownMs = 5000,
    available = () => true,
    onError,
    now = () => performance.now(),
  }: DegradingRateLimiterOptions) {
    this.#primary = primary;
    this.#fallback = fallback;
    this.#cooldownMs = cooldownMs;
    this.#available = available;
    this.#onError = onError;
    this.#now = now;
  }

  async consume(key: string, limit: number): Promise<RateLimitDecision> {
    if (!Number.isInteger(limit) || limit < 0) {
      throw new RangeError(`limit must be a whole number of requests (got ${limit})`);
    }
    if (this.#available() && this.#now() >= this.#downUntil) {
      try {
        return await this.#primary.consume(key, limit);
      } catch (error) {
        this.#downUntil = this.#now() + this.#cooldownMs;
        try {
          this.#onError?.(error);
        } catch {
          // A logging hook must not break rate limiting.
        }
      }
    }
    return this.#fallback.consume(key, limit);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#primary.close(), this.#fallback.close()]);
  }
}

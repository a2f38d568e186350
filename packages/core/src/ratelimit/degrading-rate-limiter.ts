import { Cooldown, type CooldownOptions } from "../resilience/cooldown.js";
import type { RateLimitDecision, RateLimiter } from "./rate-limiter.js";

export interface DegradingRateLimiterOptions extends CooldownOptions {
  /** The shared limiter (Redis). */
  primary: RateLimiter;
  /** Counts while the primary fails: usually a `MemoryRateLimiter` with the same window. */
  fallback: RateLimiter;
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
  readonly #primaryHealth: Cooldown;

  constructor({ primary, fallback, ...cooldown }: DegradingRateLimiterOptions) {
    this.#primary = primary;
    this.#fallback = fallback;
    this.#primaryHealth = new Cooldown(cooldown);
  }

  async consume(key: string, limit: number): Promise<RateLimitDecision> {
    if (!Number.isInteger(limit) || limit < 0) {
      throw new RangeError(`limit must be a whole number of requests (got ${limit})`);
    }
    if (this.#primaryHealth.up) {
      try {
        return await this.#primary.consume(key, limit);
      } catch (error) {
        this.#primaryHealth.trip(error);
      }
    }
    return this.#fallback.consume(key, limit);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#primary.close(), this.#fallback.close()]);
  }
}

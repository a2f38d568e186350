import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { RateLimitDecision, RateLimiter } from "./rate-limiter.js";

export interface RedisRateLimiterOptions {
  /** A connection from `createRedisConnection` (fails fast); the limiter does not close it. */
  client: Redis;
  /** Length of one window in ms; every gateway instance must use the same. Default 60 000. */
  windowMs?: number;
  /** Namespace of the counters, e.g. `portico:ratelimit:`. */
  keyPrefix?: string;
}

/**
 * One fixed window per key, counted atomically in Redis: the window opens
 * at the key's first request and lasts `windowMs` (PEXPIRE), a refused
 * request is not counted. The same semantics as `MemoryRateLimiter`, but
 * shared: N gateway instances enforce one quota together. Atomic because
 * the whole read-check-increment runs as one Lua script.
 * Returns `{allowed, count, ttlMs}`.
 */
const FIXED_WINDOW = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= limit then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then ttl = window end
  return {0, count, ttl}
end
count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], window)
  ttl = window
end
return {1, count, ttl}
`;
const FIXED_WINDOW_SHA = createHash("sha1").update(FIXED_WINDOW).digest("hex");

/**
 * The shared rate limiter (`REDIS_URL`). When Redis fails, `consume`
 * rejects: wrap it in a `DegradingRateLimiter` (per-instance counting while
 * Redis is down) or let the middleware's fail-open handle it.
 *
 * ```ts
 * const limiter = new RedisRateLimiter({ client: redis, keyPrefix: "portico:ratelimit:" });
 * await limiter.consume("partner:acme", 600); // { allowed, limit, remaining, resetS }
 * ```
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #client: Redis;
  readonly #windowMs: number;
  readonly #prefix: string;

  constructor({ client, windowMs = 60_000, keyPrefix = "" }: RedisRateLimiterOptions) {
    if (!Number.isInteger(windowMs) || windowMs < 1) {
      throw new RangeError(`windowMs must be a positive whole number of ms (got ${windowMs})`);
    }
    this.#client = client;
    this.#windowMs = windowMs;
    this.#prefix = keyPrefix;
  }

  async consume(key: string, limit: number): Promise<RateLimitDecision> {
    if (!Number.isInteger(limit) || limit < 0) {
      throw new RangeError(`limit must be a whole number of requests (got ${limit})`);
    }
    const reply = await this.#run(this.#prefix + key, limit);
    const [allowed, count, ttlMs] = Array.isArray(reply) ? reply.map(Number) : [];
    if (allowed === undefined || count === undefined || ttlMs === undefined || Number.isNaN(ttlMs)) {
      throw new Error("rate limiter: unexpected reply from Redis");
    }
    const resetS = Math.max(1, Math.ceil(ttlMs / 1000));
    return allowed === 1
      ? { allowed: true, limit, remaining: Math.max(0, limit - count), resetS }
      : { allowed: false, limit, remaining: 0, resetS };
  }

  /** The connection is shared: its owner closes it. */
  async close(): Promise<void> {}

  async #run(key: string, limit: number): Promise<unknown> {
    try {
      return await this.#client.evalsha(FIXED_WINDOW_SHA, 1, key, limit, this.#windowMs);
    } catch (error) {
      // Redis answers NOSCRIPT until the script is loaded (first use, or after a restart).
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return this.#client.eval(FIXED_WINDOW, 1, key, limit, this.#windowMs);
    }
  }
}

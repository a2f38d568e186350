export { DegradingRateLimiter, type DegradingRateLimiterOptions } from "./degrading-rate-limiter.js";
export { MemoryRateLimiter, type MemoryRateLimiterOptions } from "./memory-rate-limiter.js";
export { type Quota, type RateLimitOptions, rateLimit } from "./rate-limit-middleware.js";
export type { RateLimitDecision, RateLimiter } from "./rate-limiter.js";
export { RedisRateLimiter, type RedisRateLimiterOptions } from "./redis-rate-limiter.js";

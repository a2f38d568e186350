export {
  DegradingIdempotencyStore,
  type DegradingIdempotencyStoreOptions,
} from "./degrading-idempotency-store.js";
export { canonicalJson, fingerprintOf } from "./fingerprint.js";
export {
  type ClaimResult,
  type IdempotencyStore,
  inProgressTtlS,
  isKeptStatus,
  type KeptAnswer,
} from "./idempotency-store.js";
export {
  type HeldClaim,
  MemoryIdempotencyStore,
  type MemoryIdempotencyStoreOptions,
} from "./memory-idempotency-store.js";
export { RedisIdempotencyStore, type RedisIdempotencyStoreOptions } from "./redis-idempotency-store.js";

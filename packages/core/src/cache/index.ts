export type { CacheStore } from "./cache-store.js";
export { DegradingStore, type DegradingStoreOptions } from "./degrading-store.js";
export { MemoryStore, type MemoryStoreOptions } from "./memory-store.js";
export { createRedisConnection, type RedisConnectionOptions, redisReady } from "./redis-connection.js";
export { RedisStore, type RedisStoreOptions } from "./redis-store.js";
export { SingleFlight } from "./single-flight.js";

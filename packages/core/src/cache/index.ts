export type { CacheStore } from "./cache-store.js";
export { MemoryStore, type MemoryStoreOptions } from "./memory-store.js";
export { SingleFlight } from "./single-flight.js";

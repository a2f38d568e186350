import { BoundedNodeCache } from "./bounded-node-cache.js";
import type { CacheStore } from "./cache-store.js";

export interface MemoryStoreOptions {
  /** Most keys kept; past it, new keys are not stored (existing ones are still updated). Default 10,000. */
  maxKeys?: number;
  /** How often expired keys are swept, in seconds. Default 60. */
  checkPeriodS?: number;
}

/**
 * The in-process store, on node-cache. Values are stored by reference
 * (`useClones: false`): cached answers are treated as immutable.
 */
export class MemoryStore implements CacheStore {
  readonly #cache: BoundedNodeCache;

  constructor({ maxKeys = 10_000, checkPeriodS = 60 }: MemoryStoreOptions = {}) {
    this.#cache = new BoundedNodeCache({ maxKeys, checkPeriodS });
  }

  async get<T>(key: string): Promise<T | undefined> {
    return this.#cache.get<T>(key);
  }

  async set<T>(key: string, value: T, ttlS: number): Promise<void> {
    // A new key is dropped when the cache is full of live ones.
    this.#cache.set(key, value, ttlS);
  }

  async delete(key: string): Promise<void> {
    this.#cache.delete(key);
  }

  get size(): number {
    return this.#cache.size;
  }

  async close(): Promise<void> {
    this.#cache.close();
  }
}

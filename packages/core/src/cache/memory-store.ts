import NodeCache from "node-cache";
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
  readonly #cache: NodeCache;
  #lastSweep = Number.NEGATIVE_INFINITY;

  constructor({ maxKeys = 10_000, checkPeriodS = 60 }: MemoryStoreOptions = {}) {
    this.#cache = new NodeCache({
      useClones: false,
      maxKeys,
      checkperiod: checkPeriodS,
      deleteOnExpire: true,
    });
  }

  async get<T>(key: string): Promise<T | undefined> {
    return this.#cache.get<T>(key);
  }

  async set<T>(key: string, value: T, ttlS: number): Promise<void> {
    if (this.#trySet(key, value, ttlS)) return;
    // Full. node-cache then refuses every set, even of a key it holds, which
    // would pin a stale value: replace a held key in place. (`has` also
    // drops the key if it had expired.)
    if (this.#cache.has(key)) {
      this.#cache.del(key);
      this.#trySet(key, value, ttlS);
      return;
    }
    // Expired keys hold their slots until the next sweep: sweep now (at
    // most once a second), then try once more; a new key is dropped if still full.
    if (this.#sweep()) this.#trySet(key, value, ttlS);
  }

  async delete(key: string): Promise<void> {
    this.#cache.del(key);
  }

  get size(): number {
    return this.#cache.keys().length;
  }

  async close(): Promise<void> {
    this.#cache.close();
  }

  #trySet(key: string, value: unknown, ttlS: number): boolean {
    try {
      return this.#cache.set(key, value, ttlS);
    } catch {
      return false;
    }
  }

  #sweep(): boolean {
    const now = Date.now();
    if (now - this.#lastSweep < 1000) return false;
    this.#lastSweep = now;
    for (const key of this.#cache.keys()) this.#cache.has(key);
    return true;
  }
}

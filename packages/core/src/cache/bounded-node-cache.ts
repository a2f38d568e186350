import NodeCache from "node-cache";

export interface BoundedNodeCacheOptions {
  /** Most keys held; past it a new key is not stored. */
  maxKeys: number;
  /** How often expired keys are swept, in seconds. */
  checkPeriodS: number;
}

/**
 * node-cache with a key limit that never pins a stale value. Values are
 * held by reference (`useClones: false`). Shared by the memory stores
 * (cache, idempotency) so that both handle a full cache the same way.
 */
export class BoundedNodeCache {
  readonly #cache: NodeCache;
  #lastSweep = Number.NEGATIVE_INFINITY;

  constructor({ maxKeys, checkPeriodS }: BoundedNodeCacheOptions) {
    this.#cache = new NodeCache({
      useClones: false,
      maxKeys,
      checkperiod: checkPeriodS,
      deleteOnExpire: true,
    });
  }

  get<T>(key: string): T | undefined {
    return this.#cache.get<T>(key);
  }

  delete(key: string): void {
    this.#cache.del(key);
  }

  /** Keys held, expired ones not yet swept included. */
  get size(): number {
    return this.#cache.keys().length;
  }

  /**
   * Stores `value` for `ttlS` seconds (fractions kept); false when it could
   * not, the cache being full of other live keys.
   */
  set(key: string, value: unknown, ttlS: number): boolean {
    if (this.#trySet(key, value, ttlS)) return true;
    // Full: node-cache then refuses every set, even of a key it holds, which
    // would pin a stale value: replace a held key in place (`has` also drops
    // it if it had expired).
    if (this.#cache.has(key)) {
      this.#cache.del(key);
      return this.#trySet(key, value, ttlS);
    }
    // Expired keys hold their slots until the next sweep: sweep now (at most
    // once a second), then try once more.
    return this.#sweep() && this.#trySet(key, value, ttlS);
  }

  close(): void {
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

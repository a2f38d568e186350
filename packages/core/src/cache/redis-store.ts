import type { Redis } from "ioredis";
import type { CacheStore } from "./cache-store.js";

export interface RedisStoreOptions {
  /** A connection from `createRedisConnection` (fails fast); the store does not close it. */
  client: Redis;
  /** Namespace of this store's keys, e.g. `portico:lkg:`. */
  keyPrefix?: string;
}

/**
 * A cache store shared by every gateway instance through Redis. Values are
 * stored as JSON (`SET key value EX ttl`; ttl 0 keeps the key). A failing
 * Redis makes each call reject: wrap the store in a `DegradingStore` so
 * requests never depend on it.
 */
export class RedisStore implements CacheStore {
  readonly #client: Redis;
  readonly #prefix: string;

  constructor({ client, keyPrefix = "" }: RedisStoreOptions) {
    this.#client = client;
    this.#prefix = keyPrefix;
  }

  async get<T>(key: string): Promise<T | undefined> {
    const text = await this.#client.get(this.#prefix + key);
    if (text === null) return undefined;
    try {
      return JSON.parse(text) as T;
    } catch {
      // Written by something else: a miss, not a failure.
      return undefined;
    }
  }

  async set<T>(key: string, value: T, ttlS: number): Promise<void> {
    const text = JSON.stringify(value);
    if (text === undefined) return;
    if (ttlS > 0) await this.#client.set(this.#prefix + key, text, "EX", ttlS);
    else await this.#client.set(this.#prefix + key, text);
  }

  async delete(key: string): Promise<void> {
    await this.#client.del(this.#prefix + key);
  }

  /** The connection is shared: its owner closes it. */
  async close(): Promise<void> {}
}

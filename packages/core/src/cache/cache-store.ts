/**
 * A key-value store for cached upstream answers. Asynchronous so that a
 * shared store (Redis) can stand in for the in-memory one.
 */
export interface CacheStore {
  get<T>(key: string): Promise<T | undefined>;
  /** `ttlS` 0 keeps the value until evicted. */
  set<T>(key: string, value: T, ttlS: number): Promise<void>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

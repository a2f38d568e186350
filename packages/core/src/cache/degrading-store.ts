import { Cooldown, type CooldownOptions } from "../resilience/cooldown.js";
import type { CacheStore } from "./cache-store.js";

export interface DegradingStoreOptions extends CooldownOptions {
  /** The shared store (Redis). */
  primary: CacheStore;
  /**
   * Used while the primary fails, and kept as a local copy of what this
   * instance wrote. `undefined` turns caching off while the primary is down
   * (every get a miss).
   */
  fallback?: CacheStore;
}

/**
 * A shared store that degrades instead of failing: while the primary
 * (Redis) answers, reads come from it (then from the local fallback on a
 * miss) and writes go to both; when it fails (down, or slower than its
 * command timeout), it is skipped for `cooldownMs` and the local fallback
 * alone serves, so a broken Redis costs a request at most one command
 * timeout per cool-down and never an error.
 */
export class DegradingStore implements CacheStore {
  readonly #primary: CacheStore;
  readonly #fallback: CacheStore | undefined;
  readonly #primaryHealth: Cooldown;

  constructor({ primary, fallback, ...cooldown }: DegradingStoreOptions) {
    this.#primary = primary;
    this.#fallback = fallback;
    this.#primaryHealth = new Cooldown(cooldown);
  }

  /** False while the primary is skipped: unavailable, or cooling down after a failure. */
  get primaryUp(): boolean {
    return this.#primaryHealth.up;
  }

  async get<T>(key: string): Promise<T | undefined> {
    if (this.primaryUp) {
      try {
        const value = await this.#primary.get<T>(key);
        if (value !== undefined) return value;
      } catch (error) {
        this.#trip(error);
      }
    }
    return this.#local(() => this.#fallback?.get<T>(key));
  }

  async set<T>(key: string, value: T, ttlS: number): Promise<void> {
    await this.#local(() => this.#fallback?.set(key, value, ttlS));
    if (!this.primaryUp) return;
    try {
      await this.#primary.set(key, value, ttlS);
    } catch (error) {
      this.#trip(error);
    }
  }

  async delete(key: string): Promise<void> {
    await this.#local(() => this.#fallback?.delete(key));
    if (!this.primaryUp) return;
    try {
      await this.#primary.delete(key);
    } catch (error) {
      this.#trip(error);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#primary.close(), this.#fallback?.close()]);
  }

  #trip(error: unknown): void {
    this.#primaryHealth.trip(error);
  }

  async #local<R>(operation: () => Promise<R> | undefined): Promise<R | undefined> {
    try {
      return await operation();
    } catch {
      return undefined;
    }
  }
}

import type { RateLimitDecision, RateLimiter } from "./rate-limiter.js";

export interface MemoryRateLimiterOptions {
  /**
   * Length of one window in ms. Default 60 000: quotas are per minute. A
   * shorter window is for tests, so that recovery after a window is quick.
   */
  windowMs?: number;
  /** The clock, in ms. Default `performance.now()` (monotonic: a wall-clock change cannot reset a window). */
  now?: () => number;
}

interface Window {
  readonly startedAt: number;
  count: number;
}

/**
 * The in-process rate limiter: a fixed window per key that opens at the
 * key's first request and lasts `windowMs`, so every key gets its whole quota
 * at once and keys reset at different moments. A fixed window is cheap and
 * easy to reproduce in a shared store (INCR plus expiry); its known cost is
 * that a client can spend up to twice its quota across a window boundary.
 *
 * Memory stays bounded by the keys active within one window: at most once
 * per window, every expired window is dropped. The counts live in this
 * process only; several gateway instances each count on their own.
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();
  #lastSweep: number;

  constructor({ windowMs = 60_000, now = () => performance.now() }: MemoryRateLimiterOptions = {}) {
    if (!Number.isFinite(windowMs) || windowMs < 1) {
      throw new RangeError(`windowMs must be a positive number of ms (got ${windowMs})`);
    }
    this.#windowMs = windowMs;
    this.#now = now;
    this.#lastSweep = now();
  }

  async consume(key: string, limit: number): Promise<RateLimitDecision> {
    if (!Number.isInteger(limit) || limit < 0) {
      throw new RangeError(`limit must be a whole number of requests (got ${limit})`);
    }
    const now = this.#now();
    this.#sweep(now);
    let window = this.#windows.get(key);
    if (window === undefined || this.#expired(window, now)) {
      window = { startedAt: now, count: 0 };
      this.#windows.set(key, window);
    }
    // What is left of the window, computed from the elapsed time: `startedAt + windowMs - now`
    // can round to a hair over windowMs (a fractional clock), announcing one second too many.
    const resetS = Math.max(1, Math.ceil((this.#windowMs - (now - window.startedAt)) / 1000));
    if (window.count >= limit) return { allowed: false, limit, remaining: 0, resetS };
    window.count += 1;
    return { allowed: true, limit, remaining: limit - window.count, resetS };
  }

  /** How many keys have a window in memory (expired ones included until the next sweep). */
  get size(): number {
    return this.#windows.size;
  }

  async close(): Promise<void> {
    this.#windows.clear();
  }

  #expired(window: Window, now: number): boolean {
    return now - window.startedAt >= this.#windowMs;
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < this.#windowMs) return;
    this.#lastSweep = now;
    for (const [key, window] of this.#windows) {
      if (this.#expired(window, now)) this.#windows.delete(key);
    }
  }
}

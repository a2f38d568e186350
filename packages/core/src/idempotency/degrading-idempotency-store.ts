import { Cooldown, type CooldownOptions } from "../resilience/cooldown.js";
import {
  type ClaimResult,
  type IdempotencyStore,
  type KeptAnswer,
  scopedKey,
  ttlMsOf,
} from "./idempotency-store.js";
import type { MemoryIdempotencyStore } from "./memory-idempotency-store.js";

export interface DegradingIdempotencyStoreOptions extends CooldownOptions {
  /** The shared store (Redis). */
  primary: IdempotencyStore;
  /** This instance's own keys while the primary fails. */
  fallback: MemoryIdempotencyStore;
  /**
   * Told once when the store starts acting alone after a failed primary
   * call (logs), not again until the primary has answered in between.
   */
  onDown?: (error: unknown) => void;
  /** Told when the primary answers again after `onDown`. */
  onUp?: () => void;
}

// A claim's token tells which store holds it, so `complete` and `release` go back there.
const PRIMARY = "r:";
const LOCAL = "m:";

/**
 * An idempotency store shared through the primary (Redis) that degrades
 * instead of failing: when the primary fails (down, or slower than its
 * command timeout), it is skipped for `cooldownMs` and keys are claimed in
 * this instance's memory, so a write costs at most one command timeout per
 * cool-down and never an error. Meanwhile keys are per instance (a retry
 * landing on another instance is not recognised; the orders service still
 * deduplicates by key). What this instance recorded while acting alone is
 * still honoured once the primary is back, until it expires.
 */
export class DegradingIdempotencyStore implements IdempotencyStore {
  readonly #primary: IdempotencyStore;
  readonly #fallback: MemoryIdempotencyStore;
  readonly #primaryHealth: Cooldown;
  readonly #onDown: ((error: unknown) => void) | undefined;
  readonly #onUp: (() => void) | undefined;
  #down = false;

  constructor({ primary, fallback, onDown, onUp, ...cooldown }: DegradingIdempotencyStoreOptions) {
    this.#primary = primary;
    this.#fallback = fallback;
    this.#primaryHealth = new Cooldown(cooldown);
    this.#onDown = onDown;
    this.#onUp = onUp;
  }

  /** False while the primary is skipped (unavailable, or cooling down after a failure): keys are this instance's own. */
  get primaryUp(): boolean {
    return this.#primaryHealth.up;
  }

  async claim(scope: string, key: string, fingerprint: string, ttlS: number): Promise<ClaimResult> {
    ttlMsOf(ttlS);
    // What this instance recorded while acting alone stays its answer (also checks scope and key).
    const held = this.#fallback.peek(scope, key, fingerprint);
    if (held !== undefined) return held;
    if (this.primaryUp) {
      try {
        const result = await this.#primary.claim(scope, key, fingerprint, ttlS);
        this.#answered();
        return result.kind === "claimed" ? { kind: "claimed", token: PRIMARY + result.token } : result;
      } catch (error) {
        this.#failed(error);
      }
    }
    const result = await this.#fallback.claim(scope, key, fingerprint, ttlS);
    return result.kind === "claimed" ? { kind: "claimed", token: LOCAL + result.token } : result;
  }

  async complete(
    scope: string,
    key: string,
    token: string,
    answer: KeptAnswer,
    ttlS: number,
  ): Promise<boolean> {
    // Bad arguments are the caller's fault, never counted as the primary's.
    scopedKey(scope, key);
    ttlMsOf(ttlS);
    if (token.startsWith(LOCAL)) {
      return this.#fallback.complete(scope, key, token.slice(LOCAL.length), answer, ttlS);
    }
    if (!token.startsWith(PRIMARY)) return false;
    // Skipped while the primary is: its claim then lapses on its own.
    return (
      (await this.#onPrimary(() =>
        this.#primary.complete(scope, key, token.slice(PRIMARY.length), answer, ttlS),
      )) ?? false
    );
  }

  async release(scope: string, key: string, token: string): Promise<void> {
    scopedKey(scope, key);
    if (token.startsWith(LOCAL)) {
      await this.#fallback.release(scope, key, token.slice(LOCAL.length));
    } else if (token.startsWith(PRIMARY)) {
      await this.#onPrimary(() => this.#primary.release(scope, key, token.slice(PRIMARY.length)));
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#primary.close(), this.#fallback.close()]);
  }

  /** Runs `operation` on the primary if it is up; undefined when skipped or failed. */
  async #onPrimary<R>(operation: () => Promise<R>): Promise<R | undefined> {
    if (!this.primaryUp) return undefined;
    try {
      const result = await operation();
      this.#answered();
      return result;
    } catch (error) {
      this.#failed(error);
      return undefined;
    }
  }

  #failed(error: unknown): void {
    this.#primaryHealth.trip(error);
    if (this.#down) return;
    this.#down = true;
    notify(() => this.#onDown?.(error));
  }

  #answered(): void {
    if (!this.#down) return;
    this.#down = false;
    notify(() => this.#onUp?.());
  }
}

function notify(hook: () => void): void {
  try {
    hook();
  } catch {
    // A logging hook must not break the caller.
  }
}

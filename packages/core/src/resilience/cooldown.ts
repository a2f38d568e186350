export interface CooldownOptions {
  /** After a failure, how long the dependency is left alone before it is tried again. Default 5000 ms. */
  cooldownMs?: number;
  /**
   * A cheap check that the dependency can be used at all (e.g. the Redis
   * connection is up). While false it is skipped, without a cool-down: it is
   * used again as soon as it is back.
   */
  available?: () => boolean;
  /** Told once per failure that starts a cool-down (logs). */
  onError?: (error: unknown) => void;
  /** The clock, in ms. Default `performance.now()`. */
  now?: () => number;
}

/**
 * Whether a shared dependency (Redis behind a cache or a rate limiter) is
 * worth asking: not while it is unavailable, nor for `cooldownMs` after it
 * failed, so a broken dependency costs at most one failure per cool-down.
 */
export class Cooldown {
  readonly #cooldownMs: number;
  readonly #available: () => boolean;
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #now: () => number;
  #downUntil = Number.NEGATIVE_INFINITY;

  constructor({
    cooldownMs = 5000,
    available = () => true,
    onError,
    now = () => performance.now(),
  }: CooldownOptions) {
    this.#cooldownMs = cooldownMs;
    this.#available = available;
    this.#onError = onError;
    this.#now = now;
  }

  /** False while the dependency is skipped: unavailable, or cooling down after a failure. */
  get up(): boolean {
    return this.#available() && this.#now() >= this.#downUntil;
  }

  /** Records a failure: the dependency is skipped for the cool-down. */
  trip(error: unknown): void {
    this.#downUntil = this.#now() + this.#cooldownMs;
    try {
      this.#onError?.(error);
    } catch {
      // A logging hook must not break the caller.
    }
  }
}

export interface EventLoopLagOptions {
  /** How often the lag is sampled, in ms; default 250. */
  intervalMs?: number;
  /** Sampling stops after this long without a `touch()`, in ms; default 10 000. */
  idleStopMs?: number;
  /** Weight of the newest sample in the moving average (0..1]; default 1/3. */
  smoothing?: number;
}

/**
 * The event loop's recent lag: how late a repeating timer fires, as an
 * exponentially weighted moving average, so one short pause (a GC, a busy
 * neighbour) does not count but a loop that stays behind, or one long
 * block, does. It samples only while in use: `touch()` on each request
 * starts it, and it stops by itself after `idleStopMs` without requests,
 * so an idle app (or a test that forgets it) holds no live timer.
 */
export class EventLoopLag {
  readonly #intervalMs: number;
  readonly #idleStopMs: number;
  readonly #smoothing: number;
  #timer: NodeJS.Timeout | undefined;
  #expected = 0;
  #lastTouch = 0;
  #lagMs = 0;

  constructor({ intervalMs = 250, idleStopMs = 10_000, smoothing = 1 / 3 }: EventLoopLagOptions = {}) {
    this.#intervalMs = intervalMs;
    this.#idleStopMs = idleStopMs;
    this.#smoothing = smoothing;
  }

  /** The smoothed lag in ms (0 while not sampling). */
  get lagMs(): number {
    return this.#lagMs;
  }

  /** Marks the monitor as in use, starting it if it was stopped. */
  touch(): void {
    this.#lastTouch = performance.now();
    if (this.#timer !== undefined) return;
    this.#expected = this.#lastTouch + this.#intervalMs;
    this.#timer = setInterval(() => this.#sample(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#lagMs = 0;
  }

  #sample(): void {
    const now = performance.now();
    const lag = Math.max(0, now - this.#expected);
    this.#expected = now + this.#intervalMs;
    this.#lagMs += this.#smoothing * (lag - this.#lagMs);
    if (now - this.#lastTouch > this.#idleStopMs) this.stop();
  }
}

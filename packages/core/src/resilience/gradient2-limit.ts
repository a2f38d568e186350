/**
 * Netflix concurrency-limits' Gradient2 algorithm
 * (github.com/Netflix/concurrency-limits, `Gradient2Limit`): the limit
 * follows the ratio of a long-term average round-trip time (what the
 * service takes when it is not queueing) to the short-term one (what it
 * takes now). When the short-term RTT rises above the long-term one by more
 * than `tolerance`, the gradient drops below 1 and the limit shrinks; when
 * it does not, the limit grows by `queueSize` per window. Changes are
 * smoothed, and the limit stays within [`min`, `max`].
 *
 * Differences from the original, on purpose: a window is a fixed number
 * of samples (no minimum window time), so a BFF that sees a few hundred
 * calls a second adapts within a fraction of a second; the long-term
 * average starts from the first window; the floor is 1 (Netflix's default
 * is 20); and the `queueSize` headroom is added only while the gradient is
 * 1 (latency within tolerance), otherwise the limit could never shrink
 * below about twice the headroom.
 */
export interface Gradient2Options {
  /** Where the limit starts. */
  initial: number;
  /** Never below (at least 1). */
  min?: number;
  /** Never above: the static bulkhead (`MAX_CONCURRENT_PER_UPSTREAM`). */
  max: number;
  /** How far the short RTT may rise above the long one before the limit shrinks. Default 1.5 (Netflix's default). */
  tolerance?: number;
  /** Weight of a new limit against the old one. Default 0.2 (Netflix's default). */
  smoothing?: number;
  /** Samples in the long-term average (an exponential one). Default 600 (Netflix's default). */
  longWindow?: number;
  /** Samples per short-term window. Default 10. */
  windowSize?: number;
  /** Headroom added per window, so the limit can probe upwards. Default 4 (Netflix's default). */
  queueSize?: number;
}

export class Gradient2Limit {
  readonly min: number;
  readonly max: number;
  readonly #tolerance: number;
  readonly #smoothing: number;
  readonly #longFactor: number;
  readonly #windowSize: number;
  readonly #queueSize: number;
  #estimated: number;
  #longRtt = 0;
  #windowSum = 0;
  #windowCount = 0;
  #windowMaxInFlight = 0;

  constructor(options: Gradient2Options) {
    this.min = Math.max(1, Math.floor(options.min ?? 1));
    this.max = Math.max(this.min, Math.floor(options.max));
    this.#tolerance = options.tolerance ?? 1.5;
    this.#smoothing = options.smoothing ?? 0.2;
    this.#longFactor = 2 / ((options.longWindow ?? 600) + 1);
    this.#windowSize = Math.max(1, Math.floor(options.windowSize ?? 10));
    this.#queueSize = options.queueSize ?? 4;
    this.#estimated = clamp(options.initial, this.min, this.max);
  }

  /** Calls allowed in flight now (a whole number). */
  get limit(): number {
    return Math.floor(this.#estimated);
  }

  /** One call that reached the service took `rttMs`, with `inFlight` calls in flight when it started. */
  sample(rttMs: number, inFlight: number): void {
    this.#windowSum += rttMs;
    this.#windowCount++;
    if (inFlight > this.#windowMaxInFlight) this.#windowMaxInFlight = inFlight;
    if (this.#windowCount < this.#windowSize) return;
    const shortRtt = this.#windowSum / this.#windowCount;
    const inFlightPeak = this.#windowMaxInFlight;
    this.#windowSum = 0;
    this.#windowCount = 0;
    this.#windowMaxInFlight = 0;
    this.#update(shortRtt, inFlightPeak);
  }

  #update(shortRtt: number, inFlight: number): void {
    if (this.#longRtt === 0) {
      this.#longRtt = shortRtt;
      return;
    }
    this.#longRtt = this.#longRtt * (1 - this.#longFactor) + shortRtt * this.#longFactor;
    // After a long period of high latency the long average lags behind: let it catch up quickly.
    if (this.#longRtt / shortRtt > 2) this.#longRtt *= 0.95;
    // Too few calls to tell whether the limit is too high: leave it (Netflix: app-limited).
    if (inFlight < this.#estimated / 2) return;
    const gradient = Math.max(0.5, Math.min(1, (this.#tolerance * this.#longRtt) / shortRtt));
    // Headroom only while latency is within tolerance: added under stress too (as in the original),
    // it holds the limit near 2 x queueSize however slow the service gets, never down to 1.
    const next = gradient < 1 ? this.#estimated * gradient : this.#estimated + this.#queueSize;
    const smoothed = this.#estimated * (1 - this.#smoothing) + next * this.#smoothing;
    this.#estimated = clamp(smoothed, this.min, this.max);
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, value));
}

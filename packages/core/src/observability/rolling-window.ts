/** Latency buckets: 4 per doubling from 0.25 ms (about ±9 % precision), up to about 2 minutes. */
const BASE_MS = 0.25;
const PER_DOUBLING = 4;
const LATENCY_BUCKETS = 4 * 19;

function latencyBucket(ms: number): number {
  if (!(ms > BASE_MS)) return 0;
  const index = Math.ceil(Math.log2(ms / BASE_MS) * PER_DOUBLING);
  return index < LATENCY_BUCKETS ? index : LATENCY_BUCKETS - 1;
}

function upperBound(bucket: number): number {
  return BASE_MS * 2 ** (bucket / PER_DOUBLING);
}

/** Latency percentiles in ms; `null` when the window holds no timed call. */
export interface Percentiles {
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

/** Totals over the whole window. */
export interface WindowSummary {
  /** Everything recorded. */
  readonly count: number;
  /** Recorded as failed (an upstream failure, a 5xx answer). */
  readonly failed: number;
  /** Recorded with the flag (shed upstream calls, degraded answers). */
  readonly flagged: number;
  /** `count` per second of the window (or of the time since it started, if shorter). */
  readonly ratePerS: number;
  readonly latencyMs: Percentiles;
}

/** Per-second points, oldest first, ending with the last complete second. */
export interface WindowSeries {
  readonly count: number[];
  readonly failed: number[];
  /** Mean latency of that second; `null` when nothing timed was recorded in it. */
  readonly meanMs: (number | null)[];
}

export interface RollingWindowOptions {
  /** Window length in seconds. Default 60. */
  seconds?: number;
  /** Keep a latency histogram (for percentiles). Default true. */
  latency?: boolean;
  /** Wall clock in ms. Default `Date.now`. */
  now?: () => number;
}

/**
 * Counts and latencies over the last minute, in one slot per second, for
 * the status page. Recording is allocation-free (typed arrays, a slot is
 * reset when its second comes round again); reading merges the slots.
 */
export class RollingWindow {
  readonly seconds: number;
  readonly #now: () => number;
  readonly #startedS: number;
  readonly #stamps: Float64Array;
  readonly #counts: Uint32Array;
  readonly #failed: Uint32Array;
  readonly #flagged: Uint32Array;
  readonly #timed: Uint32Array;
  readonly #sumMs: Float64Array;
  readonly #histogram: Uint32Array | undefined;

  constructor({ seconds = 60, latency = true, now = Date.now }: RollingWindowOptions = {}) {
    this.seconds = Math.max(1, Math.floor(seconds));
    this.#now = now;
    this.#startedS = Math.floor(now() / 1000);
    const n = this.seconds;
    this.#stamps = new Float64Array(n).fill(-1);
    this.#counts = new Uint32Array(n);
    this.#failed = new Uint32Array(n);
    this.#flagged = new Uint32Array(n);
    this.#timed = new Uint32Array(n);
    this.#sumMs = new Float64Array(n);
    this.#histogram = latency ? new Uint32Array(n * LATENCY_BUCKETS) : undefined;
  }

  /**
   * Records one event. `durationMs` is left out of the latency figures when
   * `undefined` (e.g. a call that failed fast without going out).
   */
  record(durationMs: number | undefined, failed: boolean, flagged: boolean): void {
    const second = Math.floor(this.#now() / 1000);
    const slot = this.#slot(second);
    this.#counts[slot] = (this.#counts[slot] ?? 0) + 1;
    if (failed) this.#failed[slot] = (this.#failed[slot] ?? 0) + 1;
    if (flagged) this.#flagged[slot] = (this.#flagged[slot] ?? 0) + 1;
    if (durationMs !== undefined) {
      this.#timed[slot] = (this.#timed[slot] ?? 0) + 1;
      this.#sumMs[slot] = (this.#sumMs[slot] ?? 0) + durationMs;
      const histogram = this.#histogram;
      if (histogram !== undefined) {
        const index = slot * LATENCY_BUCKETS + latencyBucket(durationMs);
        histogram[index] = (histogram[index] ?? 0) + 1;
      }
    }
  }

  summary(): WindowSummary {
    const second = Math.floor(this.#now() / 1000);
    let count = 0;
    let failed = 0;
    let flagged = 0;
    const merged = this.#histogram === undefined ? undefined : new Float64Array(LATENCY_BUCKETS);
    let timed = 0;
    for (let slot = 0; slot < this.seconds; slot++) {
      if (!this.#live(slot, second)) continue;
      count += this.#counts[slot] ?? 0;
      failed += this.#failed[slot] ?? 0;
      flagged += this.#flagged[slot] ?? 0;
      timed += this.#timed[slot] ?? 0;
      if (merged !== undefined && this.#histogram !== undefined) {
        const base = slot * LATENCY_BUCKETS;
        for (let b = 0; b < LATENCY_BUCKETS; b++)
          merged[b] = (merged[b] ?? 0) + (this.#histogram[base + b] ?? 0);
      }
    }
    const span = Math.min(this.seconds, second - this.#startedS + 1);
    return {
      count,
      failed,
      flagged,
      ratePerS: count / Math.max(1, span),
      latencyMs:
        merged === undefined || timed === 0
          ? { p50: null, p95: null, p99: null }
          : {
              p50: percentile(merged, timed, 0.5),
              p95: percentile(merged, timed, 0.95),
              p99: percentile(merged, timed, 0.99),
            },
    };
  }

  series(): WindowSeries {
    const second = Math.floor(this.#now() / 1000);
    const count: number[] = [];
    const failed: number[] = [];
    const meanMs: (number | null)[] = [];
    for (let s = second - this.seconds; s < second; s++) {
      const slot = ((s % this.seconds) + this.seconds) % this.seconds;
      const live = this.#stamps[slot] === s;
      const timed = live ? (this.#timed[slot] ?? 0) : 0;
      count.push(live ? (this.#counts[slot] ?? 0) : 0);
      failed.push(live ? (this.#failed[slot] ?? 0) : 0);
      meanMs.push(timed > 0 ? round((this.#sumMs[slot] ?? 0) / timed) : null);
    }
    return { count, failed, meanMs };
  }

  #live(slot: number, second: number): boolean {
    const stamp = this.#stamps[slot] ?? -1;
    return stamp > second - this.seconds && stamp <= second;
  }

  #slot(second: number): number {
    const slot = second % this.seconds;
    if (this.#stamps[slot] !== second) {
      this.#stamps[slot] = second;
      this.#counts[slot] = 0;
      this.#failed[slot] = 0;
      this.#flagged[slot] = 0;
      this.#timed[slot] = 0;
      this.#sumMs[slot] = 0;
      this.#histogram?.fill(0, slot * LATENCY_BUCKETS, (slot + 1) * LATENCY_BUCKETS);
    }
    return slot;
  }
}

/** The q-quantile, interpolated inside its bucket. */
function percentile(buckets: Float64Array, total: number, q: number): number {
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let b = 0; b < buckets.length; b++) {
    const inBucket = buckets[b] ?? 0;
    if (inBucket === 0) continue;
    if (seen + inBucket >= rank) {
      const lower = b === 0 ? 0 : upperBound(b - 1);
      const upper = upperBound(b);
      // The rank's place among the bucket's samples, taken at its middle.
      return round(lower + ((upper - lower) * (rank - seen - 0.5)) / inBucket);
    }
    seen += inBucket;
  }
  return round(upperBound(buckets.length - 1));
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

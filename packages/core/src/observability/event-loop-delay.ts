import { monitorEventLoopDelay } from "node:perf_hooks";
import { round } from "./status-numbers.js";

/** The histogram's sampling period, in ms. */
const RESOLUTION_MS = 10;
/** How long one reading covers before the histogram starts over. */
const PERIOD_MS = 5_000;

/** Event-loop delay in ms, one decimal. */
export interface LoopDelay {
  readonly mean: number;
  readonly p99: number;
  readonly max: number;
}

/** The monitor times its own 10 ms timer: what is late beyond that period is the lag. */
const lagOf = (delayNs: number) => round(Math.max(0, delayNs / 1e6 - RESOLUTION_MS));

export interface EventLoopDelayOptions {
  /** Wall clock. */
  now: () => number;
  /** When the first period started (the observability's start), on `now`'s clock. */
  startedAt: number;
}

/**
 * The event-loop delay for the status page (`process.eventLoopLagMs`): mean,
 * p99 and max over the last few seconds, from node's own histogram. (The
 * load shedder's smoothed lag is `http/event-loop-lag.ts`.) It runs from
 * construction until `close()`.
 */
export class EventLoopDelay {
  readonly #now: () => number;
  readonly #histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  #snapshot: LoopDelay = { mean: 0, p99: 0, max: 0 };
  #resetAt: number;

  constructor({ now, startedAt }: EventLoopDelayOptions) {
    this.#now = now;
    this.#resetAt = startedAt;
    this.#histogram.enable();
  }

  /** The delay since the current period began; every `PERIOD_MS` the period starts over. */
  read(): LoopDelay {
    const now = this.#now();
    const histogram = this.#histogram;
    const read = () =>
      histogram.count === 0
        ? this.#snapshot
        : {
            mean: lagOf(histogram.mean),
            p99: lagOf(histogram.percentile(99)),
            max: lagOf(histogram.max),
          };
    if (now - this.#resetAt < PERIOD_MS) return read();
    this.#snapshot = read();
    this.#resetAt = now;
    histogram.reset();
    return this.#snapshot;
  }

  close(): void {
    this.#histogram.disable();
  }
}

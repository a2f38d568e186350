import { EventLoopLag } from "./event-loop-lag.js";

export interface LoadSheddingOptions {
  /** Requests in progress before new ones are shed (`MAX_INFLIGHT`); default 1024. */
  maxInflight?: number;
  /**
   * Smoothed event-loop lag, in ms, above which new requests are shed
   * (`MAX_EVENT_LOOP_LAG_MS`); default 500; 0 turns the lag check off.
   */
  maxEventLoopLagMs?: number;
  /** The lag monitor; default a new `EventLoopLag`. */
  lag?: { readonly lagMs: number; touch(): void };
}

/** What the shedder sees, for metrics and tests. */
export interface LoadShedder {
  /** Requests in progress right now (the ops routes are not counted). */
  readonly inflight: number;
  /** Requests shed since start. */
  readonly shed: number;
  /**
   * Takes an in-flight slot and returns true, or returns false, taking
   * nothing and counting the request as shed: the edge then answers it 503.
   */
  tryEnter(): boolean;
  /** Gives back a slot taken by `tryEnter` (once the answer is done). */
  leave(): void;
}

/**
 * Sheds load instead of queueing it: when `maxInflight` requests are
 * already in progress, or the event loop has been lagging beyond
 * `maxEventLoopLagMs`, the edge answers a new request at once with 503
 * problem+json and `Retry-After: 1`, before any work is done for it.
 * The ops routes (health, readiness, metrics, admin) are never shed.
 */
export function loadShedding({
  maxInflight = 1024,
  maxEventLoopLagMs = 500,
  lag = new EventLoopLag(),
}: LoadSheddingOptions = {}): LoadShedder {
  let inflight = 0;
  let shed = 0;
  const overloaded = () => {
    if (maxEventLoopLagMs > 0) lag.touch();
    return inflight >= maxInflight || (maxEventLoopLagMs > 0 && lag.lagMs > maxEventLoopLagMs);
  };
  return {
    get inflight() {
      return inflight;
    },
    get shed() {
      return shed;
    },
    tryEnter() {
      if (overloaded()) {
        shed++;
        return false;
      }
      inflight++;
      return true;
    },
    leave() {
      inflight--;
    },
  };
}

import { BulkheadFullError, isGatewayError } from "../errors/index.js";
import type { BulkheadPolicy } from "./bulkhead-policy.js";
import { Gradient2Limit, type Gradient2Options } from "./gradient2-limit.js";
import { stagedPolicy } from "./policy.js";

export interface AdaptiveConcurrencyOptions {
  service: string;
  /** The static bulkhead (`MAX_CONCURRENT_PER_UPSTREAM`): the limit never goes above it. */
  ceiling: number;
  /** Where the limit starts. Default 20, or the ceiling if lower (contract 5). */
  initial?: number;
  /** Tuning of the algorithm (tests use small windows). */
  tuning?: Omit<Gradient2Options, "initial" | "max">;
}

/** The bulkhead's shape, plus the limit of the moment. */
export interface AdaptiveConcurrencyPolicy extends BulkheadPolicy {
  /** Calls allowed in flight now: between 1 and `capacity`. */
  readonly limit: number;
}

/**
 * `ADAPTIVE_CONCURRENCY=on`: a bulkhead whose size follows the service's
 * measured latency (Netflix's Gradient2, `gradient2-limit.ts`) instead of
 * staying at `MAX_CONCURRENT_PER_UPSTREAM`, which becomes its ceiling.
 * A call over the limit fails fast with BULKHEAD_FULL, like a full static
 * bulkhead: a required part's 503 carries `Retry-After: 1`, an optional
 * part gets its fallback, and the breaker (inside the bulkhead) never sees
 * it. It takes the static bulkhead's place in the pipeline, so with the
 * setting off nothing of it runs.
 *
 * The limit learns from calls that reached the service and were answered
 * or timed out; calls abandoned, refused before going out or failed at
 * once (a refused connection) say nothing about its latency.
 */
export function adaptiveConcurrencyPolicy(options: AdaptiveConcurrencyOptions): AdaptiveConcurrencyPolicy {
  const { service, ceiling } = options;
  const gradient = new Gradient2Limit({
    ...options.tuning,
    initial: options.initial ?? Math.min(20, ceiling),
    min: Math.max(1, options.tuning?.min ?? 1),
    max: ceiling,
  });
  let inFlight = 0;
  const policy = stagedPolicy({
    enter(): number {
      if (inFlight >= gradient.limit) throw new BulkheadFullError(service);
      inFlight++;
      return performance.now();
    },
    leave(failed: boolean, error: unknown, started: unknown): void {
      if (!failed || measures(error)) gradient.sample(performance.now() - (started as number), inFlight);
      inFlight--;
    },
  });
  return {
    get inFlight() {
      return inFlight;
    },
    get limit() {
      return gradient.limit;
    },
    capacity: ceiling,
    stage: policy.stage,
    execute: policy.execute,
  };
}

/** A failed call whose duration says how the service is doing: an answer (4xx, 5xx, bad shape) or a timeout. */
function measures(error: unknown): boolean {
  if (!isGatewayError(error)) return false;
  switch (error.code) {
    case "UPSTREAM_TIMEOUT":
    case "UPSTREAM_STATUS":
    case "UPSTREAM_BAD_RESPONSE":
    case "UPSTREAM_NOT_FOUND":
    case "UPSTREAM_REJECTED":
    case "UPSTREAM_WRITE_REJECTED":
      return true;
    default:
      return false;
  }
}

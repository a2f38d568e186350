import { BulkheadFullError } from "../errors/index.js";
import { type Policy, stagedPolicy } from "./policy.js";

export interface BulkheadPolicy extends Policy {
  readonly inFlight: number;
  readonly capacity: number;
  /** Calls allowed in flight now: `capacity`, or less under adaptive concurrency. */
  readonly limit: number;
}

/**
 * At most `capacity` calls in flight; the excess fails fast with
 * BULKHEAD_FULL rather than queueing, so one slow service cannot hold every
 * socket and every request of the gateway.
 */
export function bulkheadPolicy({ capacity, service }: { capacity: number; service: string }): BulkheadPolicy {
  let inFlight = 0;
  const policy = stagedPolicy({
    enter() {
      if (inFlight >= capacity) throw new BulkheadFullError(service);
      inFlight++;
    },
    leave() {
      inFlight--;
    },
  });
  return {
    get inFlight() {
      return inFlight;
    },
    capacity,
    limit: capacity,
    stage: policy.stage,
    execute: policy.execute,
  };
}

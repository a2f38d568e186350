import type { PolicyContext } from "../context.js";
import { BulkheadFullError } from "../errors/index.js";
import type { Policy } from "./policy.js";

export interface BulkheadPolicy extends Policy {
  readonly inFlight: number;
  readonly capacity: number;
}

/**
 * At most `capacity` calls in flight; the excess fails fast with
 * BULKHEAD_FULL rather than queueing, so one slow service cannot hold every
 * socket and every request of the gateway.
 */
export function bulkheadPolicy({ capacity, service }: { capacity: number; service: string }): BulkheadPolicy {
  let inFlight = 0;
  return {
    get inFlight() {
      return inFlight;
    },
    capacity,
    async execute<T>(fn: (ctx: PolicyContext) => Promise<T>, ctx: PolicyContext): Promise<T> {
      if (inFlight >= capacity) throw new BulkheadFullError(service);
      inFlight++;
      try {
        return await fn(ctx);
      } finally {
        inFlight--;
      }
    },
  };
}

import { setMaxListeners } from "node:events";
import type { PolicyContext } from "../context.js";

/**
 * A resilience policy runs a function under some rule (a time limit, a
 * retry, a breaker). Policies compose with `wrap`, outermost first.
 */
export interface Policy {
  execute<T>(fn: (ctx: PolicyContext) => Promise<T>, ctx: PolicyContext): Promise<T>;
}

/** `wrap(retry, bulkhead, breaker, timeout)` runs retry outermost and timeout innermost. */
export function wrap(...policies: readonly Policy[]): Policy {
  return {
    execute<T>(fn: (ctx: PolicyContext) => Promise<T>, ctx: PolicyContext): Promise<T> {
      const run = policies.reduceRight<(c: PolicyContext) => Promise<T>>(
        (inner, policy) => (c) => policy.execute(inner, c),
        fn,
      );
      return run(ctx);
    },
  };
}

/** An AbortSignal that fires when `parent` does, plus a way to fire it alone. */
export function childAbortController(parent: AbortSignal): { controller: AbortController; release(): void } {
  const controller = new AbortController();
  // A composition's parts each listen to it: many listeners are expected, not a leak.
  setMaxListeners(0, controller.signal);
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { controller, release: () => {} };
  }
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener("abort", onAbort, { once: true });
  return { controller, release: () => parent.removeEventListener("abort", onAbort) };
}

import { setMaxListeners } from "node:events";
import type { Cancellation } from "../cancellation.js";
import type { PolicyContext } from "../context.js";
import { runStages, type Stage } from "./stages.js";

/**
 * A resilience policy runs a function under some rule (a time limit, a
 * retry, a breaker). Policies compose with `wrap`, outermost first.
 */
export interface Policy {
  execute<T>(fn: (ctx: PolicyContext) => Promise<T>, ctx: PolicyContext): Promise<T>;
  /**
   * The policy's part in a compiled call (see `Stage`). Portico's own
   * policies all have one; a policy without it is wrapped around the call
   * as a layer of its own.
   */
  readonly stage?: Stage;
}

/**
 * A composed pipeline. `owned`, when given, is the call's own cancellation
 * (a coalesced call's, which nobody else aborts for a timeout): the
 * attempts run on it and their timeout aborts it, instead of a
 * cancellation of the call's own that follows the caller's.
 */
export interface Pipeline extends Policy {
  execute<T>(fn: (ctx: PolicyContext) => Promise<T>, ctx: PolicyContext, owned?: Cancellation): Promise<T>;
}

/**
 * `wrap(retry, bulkhead, breaker, timeout)` runs retry outermost and timeout
 * innermost. When every policy has a stage (Portico's all do), they are
 * compiled here, once: each call then runs one function that reads and
 * updates their state, with one promise and one timer per attempt and one
 * cancellation the call owns, instead of a layer of async wrappers per policy.
 */
export function wrap(...policies: readonly Policy[]): Pipeline {
  const stages = policies.map((policy) => policy.stage);
  if (stages.every((stage): stage is Stage => stage !== undefined)) {
    const compiled = runStages(stages);
    return { execute: compiled, stage: undefined };
  }
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

/** A policy made of its stage: run alone, it is a compiled call of that one stage. */
export function stagedPolicy<S extends Stage>(stage: S): Policy & { readonly stage: S } {
  return { stage, execute: runStages([stage]) };
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

import type { BreakerConfig } from "../config/gateway-config.js";
import type { PolicyContext, RequestContext } from "../context.js";
import { adaptiveConcurrencyPolicy } from "./adaptive-concurrency-policy.js";
import { type BulkheadPolicy, bulkheadPolicy } from "./bulkhead-policy.js";
import {
  type CircuitBreakerPolicy,
  circuitBreakerPolicy,
  type FleetCircuitLink,
} from "./circuit-breaker-policy.js";
import { isAbandoned, isRetryable, isRetryableWrite, isServiceFailure } from "./failures.js";
import { type HedgePolicyOptions, hedgePolicy } from "./hedge-policy.js";
import { type Pipeline, type Policy, wrap } from "./policy.js";
import { RetryBudget } from "./retry-budget.js";
import { retryPolicy } from "./retry-policy.js";
import { runStages, type Stage } from "./stages.js";
import { timeoutPolicy } from "./timeout-policy.js";

export interface UpstreamPolicyOptions {
  service: string;
  timeoutMs: number;
  breaker: BreakerConfig;
  maxConcurrent: number;
  /** Idempotent calls (GETs) may be retried. */
  idempotent: boolean;
  /** Told of each retry, reads' and writes' alike. */
  onRetry?: (error: unknown, attempt: number) => void;
  /**
   * `<SERVICE>_HEDGE_AFTER_MS` and `HEDGE_BUDGET_PCT`: reads (not the
   * pass-through, not writes) are hedged. Undefined (the default): no hedging.
   */
  hedge?: Omit<HedgePolicyOptions, "service"> | undefined;
  /** `ADAPTIVE_CONCURRENCY=on`: the bulkhead's size follows latency, up to `maxConcurrent`. */
  adaptiveConcurrency?: boolean;
  /** With `REDIS_URL`: the breaker's state is the fleet's (contract section 5). */
  fleetCircuit?: FleetCircuitLink | undefined;
}

export interface UpstreamPolicy {
  /** For reads: retried when `idempotent`. */
  readonly policy: Pipeline;
  /**
   * For writes (POST, PUT, DELETE): retried only when the connection was
   * refused before anything was sent; the same breaker, bulkhead and
   * timeout as `policy`.
   */
  readonly writePolicy: Pipeline;
  /**
   * For the pass-through (`ServiceClient.stream`): `policy` without
   * hedging, which is `policy` itself when reads are not hedged.
   */
  readonly streamPolicy: Pipeline;
  readonly breaker: CircuitBreakerPolicy;
  readonly bulkhead: BulkheadPolicy;
}

/**
 * The one place the resilience pipeline of an upstream call is put
 * together, outermost first:
 *
 *   retry → bulkhead → circuit breaker → timeout → the call
 *
 * Retry is outermost so each attempt is seen (and counted) by the breaker
 * and an open breaker stops retrying at once; the bulkhead sits outside the
 * breaker so a full bulkhead never counts as a service failure; the timeout
 * is innermost so each attempt gets its own limit, bounded by the deadline.
 * The policies are compiled here, once per client (`wrap`): a call runs
 * one function over their state, not four nested wrappers.
 *
 * Writes get a pipeline of their own, composed here too, over the *same*
 * bulkhead and breaker instances (one breaker per service, whatever the
 * method) and the same retry budget: its retry stage retries only a
 * connection refused before anything was sent (`isRetryableWrite`), never
 * a reset, a timeout or any status (contract 2.6).
 *
 * Hedging and adaptive concurrency are chosen here too, once: with `hedge`
 * the reads' stages are compiled with the hedge's race around their first
 * attempt (the pass-through keeps `streamPolicy`, unhedged; writes are never
 * hedged); with `adaptiveConcurrency` the bulkhead is the adaptive one.
 * Without them the pipelines are exactly those above.
 */
export function createUpstreamPolicy(options: UpstreamPolicyOptions): UpstreamPolicy {
  const { service, timeoutMs, breaker: breakerConfig, maxConcurrent, idempotent, onRetry, hedge } = options;
  const breaker = circuitBreakerPolicy({
    service,
    ...breakerConfig,
    isFailure: isServiceFailure,
    isIgnored: isAbandoned,
    fleet: options.fleetCircuit,
  });
  // Chosen here, once: with the setting off, calls run the static bulkhead and nothing else.
  const bulkhead = options.adaptiveConcurrency
    ? adaptiveConcurrencyPolicy({ service, ceiling: maxConcurrent })
    : bulkheadPolicy({ service, capacity: maxConcurrent });
  const timeout = timeoutPolicy({ service, timeoutMs });
  // One budget per service: writes' retries and reads' draw on the same tokens.
  const budget = new RetryBudget();
  const retryOptions = { budget, ...(onRetry ? { onRetry } : {}) };
  const policies: Policy[] = [bulkhead, breaker, timeout];
  if (idempotent) policies.unshift(retryPolicy({ shouldRetry: isRetryable, ...retryOptions }));
  const writePolicy = wrap(
    retryPolicy({ shouldRetry: isRetryableWrite, ...retryOptions }),
    bulkhead,
    breaker,
    timeout,
  );
  const policy = wrap(...policies);
  if (hedge === undefined) return { policy, writePolicy, streamPolicy: policy, breaker, bulkhead };
  // Hedged reads: the same stages, compiled with the hedge's race around the first attempt.
  const hedged = runStages(
    policies.map((each) => each.stage as Stage),
    hedgePolicy({ service, ...hedge, onHedge: withServerTiming(service, hedge.onHedge) }),
  );
  return { policy: { execute: hedged }, writePolicy, streamPolicy: policy, breaker, bulkhead };
}

/**
 * A hedged call shows in `Server-Timing` which attempt answered first:
 * `<service>-hedge-won;dur=` (the hedge, and how long it took) or
 * `<service>-hedge-lost;dur=` (the first attempt, and how long the hedge
 * had been out), beside the service's own entry. A coalesced call's entry
 * goes to the request that made the call.
 */
function withServerTiming(
  service: string,
  onHedge: HedgePolicyOptions["onHedge"],
): NonNullable<HedgePolicyOptions["onHedge"]> {
  return (outcome, ctx: PolicyContext, hedgeMs) => {
    if (outcome !== "sent" && "timings" in ctx) {
      (ctx as RequestContext).timings.record(`${service}-hedge-${outcome}`, hedgeMs);
    }
    onHedge?.(outcome, ctx, hedgeMs);
  };
}

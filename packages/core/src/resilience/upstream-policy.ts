import type { BreakerConfig } from "../config/gateway-config.js";
import { type BulkheadPolicy, bulkheadPolicy } from "./bulkhead-policy.js";
import { type CircuitBreakerPolicy, circuitBreakerPolicy } from "./circuit-breaker-policy.js";
import { isAbandoned, isRetryable, isRetryableWrite, isServiceFailure } from "./failures.js";
import { type Pipeline, type Policy, wrap } from "./policy.js";
import { RetryBudget } from "./retry-budget.js";
import { retryPolicy } from "./retry-policy.js";
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
 */
export function createUpstreamPolicy(options: UpstreamPolicyOptions): UpstreamPolicy {
  const { service, timeoutMs, breaker: breakerConfig, maxConcurrent, idempotent, onRetry } = options;
  const breaker = circuitBreakerPolicy({
    service,
    ...breakerConfig,
    isFailure: isServiceFailure,
    isIgnored: isAbandoned,
  });
  const bulkhead = bulkheadPolicy({ service, capacity: maxConcurrent });
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
  return { policy: wrap(...policies), writePolicy, breaker, bulkhead };
}

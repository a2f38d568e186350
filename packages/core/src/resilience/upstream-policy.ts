import type { BreakerConfig } from "../config/gateway-config.js";
import { type BulkheadPolicy, bulkheadPolicy } from "./bulkhead-policy.js";
import { type CircuitBreakerPolicy, circuitBreakerPolicy } from "./circuit-breaker-policy.js";
import { isAbandoned, isRetryable, isServiceFailure } from "./failures.js";
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
  onRetry?: (error: unknown, attempt: number) => void;
}

export interface UpstreamPolicy {
  readonly policy: Pipeline;
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
  const policies: Policy[] = [bulkhead, breaker, timeout];
  if (idempotent) {
    policies.unshift(
      retryPolicy({ shouldRetry: isRetryable, budget: new RetryBudget(), ...(onRetry ? { onRetry } : {}) }),
    );
  }
  return { policy: wrap(...policies), breaker, bulkhead };
}

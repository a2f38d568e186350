export {
  type AdaptiveConcurrencyOptions,
  type AdaptiveConcurrencyPolicy,
  adaptiveConcurrencyPolicy,
} from "./adaptive-concurrency-policy.js";
export { type BulkheadPolicy, bulkheadPolicy } from "./bulkhead-policy.js";
export {
  type CircuitBreakerOptions,
  type CircuitBreakerPolicy,
  type CircuitSnapshot,
  type CircuitState,
  circuitBreakerPolicy,
  type FleetCircuitChange,
  type FleetCircuitLink,
} from "./circuit-breaker-policy.js";
export { Cooldown, type CooldownOptions } from "./cooldown.js";
export { isAbandoned, isRetryable, isRetryableWrite, isServiceFailure } from "./failures.js";
export {
  type DegradedKind,
  emptyFallback,
  type FallbackOutcome,
  type FallbackPolicy,
  type LastKnownGoodOptions,
  lastKnownGoodFallback,
  staticFallback,
} from "./fallback-policy.js";
export { Gradient2Limit, type Gradient2Options } from "./gradient2-limit.js";
export {
  type HedgeAfter,
  type HedgeOutcome,
  type HedgePolicyOptions,
  type Hedging,
  hedgePolicy,
} from "./hedge-policy.js";
export { childAbortController, type Policy, wrap } from "./policy.js";
export { RetryBudget } from "./retry-budget.js";
export { type RetryPolicyOptions, retryPolicy } from "./retry-policy.js";
export { type TimeoutPolicyOptions, timeoutPolicy } from "./timeout-policy.js";
export {
  createUpstreamPolicy,
  type UpstreamPolicy,
  type UpstreamPolicyOptions,
} from "./upstream-policy.js";

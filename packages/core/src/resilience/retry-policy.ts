import { isAborted, type PolicyContext } from "../context.js";
import { type Policy, stagedPolicy } from "./policy.js";
import type { RetryBudget } from "./retry-budget.js";

export interface RetryPolicyOptions {
  /** Which failures are worth another attempt; decided by the caller, by error code. */
  shouldRetry: (error: unknown) => boolean;
  budget: RetryBudget;
  /** Attempts in all, the first included. Default 3. */
  maxAttempts?: number;
  /** First back-off step in ms; doubles each time. Default 25. */
  baseDelayMs?: number;
  /** Longest back-off in ms. Default 250. */
  maxDelayMs?: number;
  /** Source of randomness for jitter, [0, 1). Default Math.random. */
  random?: () => number;
  /** Told of each retry, e.g. for metrics. */
  onRetry?: (error: unknown, attempt: number) => void;
}

/**
 * Retries with full-jitter exponential back-off, never past the deadline and
 * never beyond the retry budget. Only apply it to idempotent calls.
 */
export function retryPolicy({
  shouldRetry,
  budget,
  maxAttempts = 3,
  baseDelayMs = 25,
  maxDelayMs = 250,
  random = Math.random,
  onRetry,
}: RetryPolicyOptions): Policy {
  return stagedPolicy({
    start() {
      budget.deposit();
    },
    retryDelay(error: unknown, attempt: number, ctx: PolicyContext): number | undefined {
      if (attempt >= maxAttempts || !shouldRetry(error) || isAborted(ctx)) return undefined;
      const delay = random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      // A retry that cannot start well before the deadline would only add load.
      if (performance.now() + delay >= ctx.deadline || !budget.tryWithdraw()) return undefined;
      onRetry?.(error, attempt);
      return delay;
    },
  });
}

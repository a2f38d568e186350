import type { PolicyContext } from "../context.js";
import { ClientClosedError } from "../errors/index.js";
import type { Policy } from "./policy.js";
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
  return {
    async execute<T>(fn: (ctx: PolicyContext) => Promise<T>, ctx: PolicyContext): Promise<T> {
      budget.deposit();
      for (let attempt = 1; ; attempt++) {
        try {
          return await fn(ctx);
        } catch (error) {
          if (attempt >= maxAttempts || !shouldRetry(error) || ctx.signal.aborted) throw error;
          const delay = random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
          // A retry that cannot start well before the deadline would only add load.
          if (performance.now() + delay >= ctx.deadline || !budget.tryWithdraw()) throw error;
          onRetry?.(error, attempt);
          await sleep(delay, ctx.signal);
        }
      }
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ClientClosedError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

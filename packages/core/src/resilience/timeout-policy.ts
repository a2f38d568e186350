import pTimeout from "p-timeout";
import type { PolicyContext } from "../context.js";
import {
  ClientClosedError,
  DeadlineExceededError,
  UpstreamTimeoutError,
  withoutStackTraces,
} from "../errors/index.js";
import type { Policy } from "./policy.js";

export interface TimeoutPolicyOptions {
  /** The service's own limit per attempt (`UPSTREAM_TIMEOUT_MS`, `<SERVICE>_TIMEOUT_MS`). */
  timeoutMs: number;
  /** Names the service in errors. */
  service: string;
}

/**
 * Bounds each attempt by the smaller of its own timeout and what is left of
 * the request deadline. On expiry it aborts the attempt's signal, so the
 * transport closes the socket rather than leaving the call running.
 * A call cut short either way is an `UPSTREAM_TIMEOUT` (the service did not
 * answer in the time it could be given); a deadline already gone before the
 * call starts is `DEADLINE_EXCEEDED`, and no call is made.
 */
export function timeoutPolicy({ timeoutMs, service }: TimeoutPolicyOptions): Policy {
  return {
    execute<T>(fn: (ctx: PolicyContext) => Promise<T>, ctx: PolicyContext): Promise<T> {
      if (ctx.signal.aborted) return Promise.reject(new ClientClosedError());
      const left = ctx.deadline - performance.now();
      if (left <= 0) return Promise.reject(new DeadlineExceededError(service));
      const milliseconds = Math.min(left, timeoutMs);
      const controller = new AbortController();
      const onParentAbort = () => controller.abort(ctx.signal.reason);
      ctx.signal.addEventListener("abort", onParentAbort, { once: true });
      let call: Promise<T>;
      try {
        call = fn({ signal: controller.signal, deadline: performance.now() + milliseconds });
      } catch (error) {
        ctx.signal.removeEventListener("abort", onParentAbort);
        return Promise.reject(error);
      }
      // p-timeout builds a spare TimeoutError per call, before its timer
      // starts; this policy throws its own, so that one needs no stack trace.
      return withoutStackTraces(() =>
        pTimeout(call, {
          milliseconds,
          // A client that leaves is answered at once, even by a call that ignores its signal.
          signal: ctx.signal,
          // The timeout error is made only when the time is up: every call passes
          // here, and an error captures a stack trace, which costs more than the
          // rest of this policy together.
          fallback: () => {
            const error = new UpstreamTimeoutError(service, milliseconds);
            controller.abort(error);
            throw error;
          },
        }),
      )
        .catch((error: unknown) => {
          throw ctx.signal.aborted ? new ClientClosedError() : error;
        })
        .finally(() => ctx.signal.removeEventListener("abort", onParentAbort));
    },
  };
}

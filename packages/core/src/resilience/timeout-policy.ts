import pTimeout from "p-timeout";
import type { PolicyContext } from "../context.js";
import { ClientClosedError, DeadlineExceededError, UpstreamTimeoutError } from "../errors/index.js";
import { childAbortController, type Policy } from "./policy.js";

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
    async execute<T>(fn: (ctx: PolicyContext) => Promise<T>, ctx: PolicyContext): Promise<T> {
      if (ctx.signal.aborted) throw new ClientClosedError();
      const left = ctx.deadline - performance.now();
      if (left <= 0) throw new DeadlineExceededError(service);
      const milliseconds = Math.min(left, timeoutMs);
      const { controller, release } = childAbortController(ctx.signal);
      const timeoutError = new UpstreamTimeoutError(service, milliseconds);
      try {
        // Racing the parent signal too: a client that leaves is answered at
        // once, even by a call that ignores its signal.
        return await pTimeout(fn({ signal: controller.signal, deadline: performance.now() + milliseconds }), {
          milliseconds,
          message: timeoutError,
          signal: ctx.signal,
        });
      } catch (error) {
        if (error === timeoutError) controller.abort(error);
        else if (ctx.signal.aborted) throw new ClientClosedError();
        throw error;
      } finally {
        release();
      }
    },
  };
}

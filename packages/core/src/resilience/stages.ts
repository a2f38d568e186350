import pTimeout from "p-timeout";
import type { PolicyContext } from "../context.js";
import {
  ClientClosedError,
  DeadlineExceededError,
  UpstreamTimeoutError,
  withoutStackTraces,
} from "../errors/index.js";

/**
 * What a policy does in a compiled call: small hooks around each attempt,
 * not a wrapper around the call. `wrap` reads them once and runs them in one
 * function per call (`runStages`), outermost stage first on the way in and
 * last on the way out, which is what nesting the policies would do.
 */
export interface Stage {
  /** Once per call, before its first attempt (the retry budget's deposit). */
  start?(ctx: PolicyContext): void;
  /**
   * Before each attempt, in order: throws to refuse it (bulkhead full,
   * circuit open). What it returns is handed to its `leave`.
   */
  enter?(ctx: PolicyContext): unknown;
  /** After each attempt it entered, in reverse order: `failed` tells whether `error` is one. */
  leave?(failed: boolean, error: unknown, token: unknown): void;
  /** Bounds each attempt (the timeout policy): ms, and the service named in its error. */
  readonly timeout?: { readonly ms: number; readonly service: string };
  /** After a failed attempt (1-based): how long to wait before another one, or undefined to give up. */
  retryDelay?(error: unknown, attempt: number, ctx: PolicyContext): number | undefined;
}

type Run = <T>(
  fn: (ctx: PolicyContext) => Promise<T>,
  ctx: PolicyContext,
  controller?: AbortController,
) => Promise<T>;

/** Compiles `stages` (outermost first) into the one function a call runs. */
export function runStages(stages: readonly Stage[]): Run {
  const starts = stages.filter((stage) => stage.start !== undefined);
  const gates = stages.filter((stage) => stage.enter !== undefined || stage.leave !== undefined);
  const retry = stages.find((stage) => stage.retryDelay !== undefined);
  const timeouts = stages.flatMap((stage) => (stage.timeout === undefined ? [] : [stage.timeout]));
  const timeout = timeouts.reduce<Stage["timeout"]>(
    (a, b) => (a === undefined || b.ms < a.ms ? b : a),
    undefined,
  );
  const count = gates.length;

  /** One attempt: through the gates, under the time limit, and back out. */
  async function attempt<T>(
    fn: (ctx: PolicyContext) => Promise<T>,
    ctx: PolicyContext,
    owned: AbortController | undefined,
  ): Promise<T> {
    const tokens = count === 0 ? undefined : new Array<unknown>(count);
    let entered = 0;
    try {
      for (; entered < count; entered++) {
        const gate = gates[entered] as Stage;
        if (gate.enter !== undefined) (tokens as unknown[])[entered] = gate.enter(ctx);
      }
    } catch (refused) {
      leaveFrom(entered, true, refused, tokens);
      throw refused;
    }
    let value: T;
    try {
      value = timeout === undefined ? await fn(ctx) : await limited(fn, ctx, owned, timeout);
    } catch (error) {
      leaveFrom(count, true, error, tokens);
      throw error;
    }
    leaveFrom(count, false, undefined, tokens);
    return value;
  }

  function leaveFrom(from: number, failed: boolean, error: unknown, tokens: unknown[] | undefined): void {
    for (let i = from - 1; i >= 0; i--) (gates[i] as Stage).leave?.(failed, error, tokens?.[i]);
  }

  return async function run<T>(
    fn: (ctx: PolicyContext) => Promise<T>,
    ctx: PolicyContext,
    controller?: AbortController,
  ): Promise<T> {
    for (const stage of starts) stage.start?.(ctx);
    // The caller's controller is the attempt's own only if its signal is the context's.
    const owned = controller !== undefined && controller.signal === ctx.signal ? controller : undefined;
    for (let n = 1; ; n++) {
      try {
        return await attempt(fn, ctx, owned);
      } catch (error) {
        const delay = retry?.retryDelay?.(error, n, ctx);
        if (delay === undefined) throw error;
        await sleep(delay, ctx.signal);
      }
    }
  };
}

/**
 * Bounds one attempt by the smaller of its own timeout and what is left of
 * the request deadline. On expiry it aborts the attempt's signal, so the
 * transport closes the socket rather than leaving the call running. A call
 * cut short either way is an `UPSTREAM_TIMEOUT`; a deadline already gone
 * before the call starts is `DEADLINE_EXCEEDED`, and no call is made; a
 * caller that leaves is answered at once with `CLIENT_CLOSED`, even by a
 * call that ignores its signal.
 */
function limited<T>(
  fn: (ctx: PolicyContext) => Promise<T>,
  ctx: PolicyContext,
  owned: AbortController | undefined,
  { ms: timeoutMs, service }: { ms: number; service: string },
): Promise<T> {
  const parent = ctx.signal;
  if (parent.aborted) return Promise.reject(new ClientClosedError());
  const left = ctx.deadline - performance.now();
  if (left <= 0) return Promise.reject(new DeadlineExceededError(service));
  const milliseconds = Math.min(left, timeoutMs);
  // One controller per attempt: the caller's own when it handed it over,
  // else a child that follows the caller's signal.
  const controller = owned ?? new AbortController();
  const onParentAbort = owned === undefined ? () => controller.abort(parent.reason) : undefined;
  if (onParentAbort !== undefined) parent.addEventListener("abort", onParentAbort, { once: true });
  let timedOut: UpstreamTimeoutError | undefined;
  let call: Promise<T>;
  try {
    call = fn({ signal: controller.signal, deadline: performance.now() + milliseconds });
  } catch (error) {
    if (onParentAbort !== undefined) parent.removeEventListener("abort", onParentAbort);
    return Promise.reject(error);
  }
  // p-timeout builds a spare TimeoutError per call, before its timer
  // starts; the error thrown is ours, so that one needs no stack trace.
  return withoutStackTraces(() =>
    pTimeout(call, {
      milliseconds,
      signal: parent,
      // Made only when the time is up: an error captures a stack trace,
      // which costs more than the rest of the attempt together.
      fallback: () => {
        timedOut = new UpstreamTimeoutError(service, milliseconds);
        controller.abort(timedOut);
        throw timedOut;
      },
    }),
  ).then(
    (value) => {
      if (onParentAbort !== undefined) parent.removeEventListener("abort", onParentAbort);
      return value;
    },
    (error: unknown) => {
      if (onParentAbort !== undefined) parent.removeEventListener("abort", onParentAbort);
      throw timedOut ?? (parent.aborted ? new ClientClosedError() : error);
    },
  );
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

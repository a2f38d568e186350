import { Cancellation } from "../cancellation.js";
import { CallContext, type PolicyContext } from "../context.js";
import { ClientClosedError, DeadlineExceededError, UpstreamTimeoutError } from "../errors/index.js";
import { started } from "../started.js";
import type { Hedging } from "./hedge-policy.js";

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
  owned?: Cancellation,
) => Promise<T>;

/**
 * Compiles `stages` (outermost first) into the one function a call runs.
 *
 * `owned`, when given, is the call's own cancellation (a coalesced call's,
 * which nobody else aborts for a timeout): the attempts run on it and their
 * timeout aborts it. Otherwise the call gets a cancellation of its own that
 * follows the caller's (`ctx.cancellation`, else `ctx.signal`), so the
 * caller's is never aborted here.
 *
 * `hedging`, when given, makes each call's first attempt a race (see
 * `hedgedRun`); without it, the compiled call is exactly what it was
 * before hedging existed: the choice is made here, once.
 */
export function runStages(stages: readonly Stage[], hedging?: Hedging): Run {
  const starts = stages.filter((stage) => stage.start !== undefined);
  const gates = stages.filter((stage) => stage.enter !== undefined || stage.leave !== undefined);
  const retry = stages.find((stage) => stage.retryDelay !== undefined);
  const timeouts = stages.flatMap((stage) => (stage.timeout === undefined ? [] : [stage.timeout]));
  const timeout = timeouts.reduce<Stage["timeout"]>(
    (a, b) => (a === undefined || b.ms < a.ms ? b : a),
    undefined,
  );
  const count = gates.length;

  /** One attempt: through the gates, under the time limit, and back out; one promise. */
  function attempt<T>(
    fn: (ctx: PolicyContext) => Promise<T>,
    ctx: PolicyContext,
    cancellation: Cancellation,
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
      return Promise.reject(refused);
    }
    const call =
      timeout === undefined
        ? started(fn, new CallContext(cancellation, ctx.deadline))
        : limited(fn, ctx, cancellation, timeout);
    if (count === 0) return call;
    return call.then(
      (value) => {
        leaveFrom(count, false, undefined, tokens);
        return value;
      },
      (error: unknown) => {
        leaveFrom(count, true, error, tokens);
        throw error;
      },
    );
  }

  function leaveFrom(from: number, failed: boolean, error: unknown, tokens: unknown[] | undefined): void {
    for (let i = from - 1; i >= 0; i--) (gates[i] as Stage).leave?.(failed, error, tokens?.[i]);
  }

  /** Attempts after the first failed one: only a call that failed pays for the loop. */
  async function retrying<T>(
    fn: (ctx: PolicyContext) => Promise<T>,
    ctx: PolicyContext,
    cancellation: Cancellation,
    failure: unknown,
  ): Promise<T> {
    let error = failure;
    for (let n = 1; ; n++) {
      const delay = retry?.retryDelay?.(error, n, ctx);
      if (delay === undefined) throw error;
      await sleep(delay, cancellation);
      try {
        return await attempt(fn, ctx, cancellation);
      } catch (next) {
        error = next;
      }
    }
  }

  /**
   * The first attempt of a hedged call: when no answer came after the
   * hedging's delay (and its budget allows), one more attempt through the
   * same gates (the balancer avoids the first one's instance), each on a
   * cancellation of its own that follows the call's. The first attempt
   * that does not fail wins and the other is aborted: its transport frees
   * the socket, and it ends as CLIENT_CLOSED, which the breaker does not
   * count. When both fail, the call fails with the last failure (and may
   * be retried like any other).
   */
  function race<T>(
    fn: (ctx: PolicyContext) => Promise<T>,
    ctx: PolicyContext,
    callCtx: PolicyContext,
    cancellation: Cancellation,
    hedge: Hedging,
  ): Promise<T> {
    const delay = hedge.delay();
    const firstStarted = performance.now();
    if (delay === undefined) {
      return attempt(fn, callCtx, cancellation).then(
        (value) => {
          hedge.sample(performance.now() - firstStarted, undefined);
          return value;
        },
        (error: unknown) => {
          hedge.sample(performance.now() - firstStarted, error);
          throw error;
        },
      );
    }
    return new Promise<T>((resolve, reject) => {
      const first = Cancellation.following(cancellation);
      let second: ReturnType<typeof Cancellation.following> | undefined;
      let secondStarted = 0;
      let done = false;
      let pending = 1;
      const timer = setTimeout(() => {
        if (done || cancellation.aborted || !hedge.tryHedge()) return;
        pending++;
        secondStarted = performance.now();
        const own = Cancellation.following(cancellation);
        second = own;
        hedge.report("sent", ctx, 0);
        attempt(fn, new CallContext(own.cancellation, callCtx.deadline), own.cancellation).then(
          (value) => settle(true, true, value, undefined),
          (error: unknown) => settle(true, false, undefined, error),
        );
      }, delay);
      const settle = (isHedge: boolean, ok: boolean, value: T | undefined, error: unknown) => {
        if (done) return;
        const at = performance.now();
        hedge.sample(at - (isHedge ? secondStarted : firstStarted), error);
        if (!ok && --pending > 0) return;
        done = true;
        clearTimeout(timer);
        if (ok && second !== undefined) {
          // The loser is told before its follower is released, so it stops now.
          const loser = isHedge ? first : second;
          loser.cancellation.abort(new ClientClosedError());
          // Its time so far is a floor of its latency: leaving it out would bias p95 down.
          if (isHedge) hedge.sample(at - firstStarted, undefined);
          hedge.report(isHedge ? "won" : "lost", ctx, at - secondStarted);
        }
        first.release();
        second?.release();
        if (ok) resolve(value as T);
        else reject(error);
      };
      attempt(fn, new CallContext(first.cancellation, callCtx.deadline), first.cancellation).then(
        (value) => settle(false, true, value, undefined),
        (error: unknown) => settle(false, false, undefined, error),
      );
    });
  }

  function hedgedRun<T>(
    fn: (ctx: PolicyContext) => Promise<T>,
    ctx: PolicyContext,
    owned: Cancellation | undefined,
    hedge: Hedging,
  ): Promise<T> {
    for (const stage of starts) stage.start?.(ctx);
    let cancellation = owned;
    let release: (() => void) | undefined;
    if (cancellation === undefined)
      ({ cancellation, release } = Cancellation.following(ctx.cancellation ?? ctx.signal));
    const callCtx = ctx.cancellation === cancellation ? ctx : new CallContext(cancellation, ctx.deadline);
    const first = race(fn, ctx, callCtx, cancellation, hedge);
    const settled =
      retry === undefined
        ? first
        : first.catch((error: unknown) => retrying(fn, callCtx, cancellation, error));
    return release === undefined ? settled : releasedAfter(settled, release);
  }

  if (hedging !== undefined) {
    return function run<T>(
      fn: (ctx: PolicyContext) => Promise<T>,
      ctx: PolicyContext,
      owned?: Cancellation,
    ): Promise<T> {
      return hedgedRun(fn, ctx, owned, hedging);
    };
  }

  return function run<T>(
    fn: (ctx: PolicyContext) => Promise<T>,
    ctx: PolicyContext,
    owned?: Cancellation,
  ): Promise<T> {
    for (const stage of starts) stage.start?.(ctx);
    if (owned !== undefined) {
      const callCtx = ctx.cancellation === owned ? ctx : new CallContext(owned, ctx.deadline);
      const first = attempt(fn, callCtx, owned);
      return retry === undefined
        ? first
        : first.catch((error: unknown) => retrying(fn, callCtx, owned, error));
    }
    const { cancellation, release } = Cancellation.following(ctx.cancellation ?? ctx.signal);
    const callCtx = new CallContext(cancellation, ctx.deadline);
    const first = attempt(fn, callCtx, cancellation);
    const settled =
      retry === undefined
        ? first
        : first.catch((error: unknown) => retrying(fn, callCtx, cancellation, error));
    return releasedAfter(settled, release);
  };
}

/**
 * `call`, with `release` run however it settles: what `finally` does, in
 * one promise where `finally` makes three (on every call that follows the
 * request's cancellation: the pass-through's, a write's).
 */
function releasedAfter<T>(call: Promise<T>, release: () => void): Promise<T> {
  return call.then(
    (value) => {
      release();
      return value;
    },
    (error: unknown) => {
      release();
      throw error;
    },
  );
}

/**
 * Bounds one attempt by the smaller of its own timeout and what is left of
 * the request deadline. On expiry it aborts the call's cancellation, so the
 * transport closes the socket rather than leaving the call running. A call
 * cut short either way is an `UPSTREAM_TIMEOUT`; a deadline already gone
 * before the call starts is `DEADLINE_EXCEEDED`, and no call is made; a
 * caller that leaves is answered at once with `CLIENT_CLOSED`, even by a
 * call that ignores its cancellation.
 *
 * One timer and one promise per attempt: the request as a whole is bounded
 * once, by p-timeout, where it is composed (`Composition.run`).
 */
function limited<T>(
  fn: (ctx: PolicyContext) => Promise<T>,
  ctx: PolicyContext,
  cancellation: Cancellation,
  { ms: timeoutMs, service }: { ms: number; service: string },
): Promise<T> {
  if (cancellation.aborted) return Promise.reject(new ClientClosedError());
  const left = ctx.deadline - performance.now();
  if (left <= 0) return Promise.reject(new DeadlineExceededError(service));
  const milliseconds = Math.min(left, timeoutMs);
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    // Made only when the time is up: an error captures a stack trace.
    let timedOut: UpstreamTimeoutError | undefined;
    const timer = setTimeout(() => {
      timedOut = new UpstreamTimeoutError(service, milliseconds);
      cancellation.abort(timedOut);
    }, milliseconds);
    // Registered before the call starts, so it is told before the transport is.
    const onAbort = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(timedOut ?? new ClientClosedError());
    };
    cancellation.onAbort(onAbort);
    started(fn, new CallContext(cancellation, performance.now() + milliseconds)).then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        cancellation.offAbort(onAbort);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        cancellation.offAbort(onAbort);
        reject(error);
      },
    );
  });
}

/** Waits `ms`, or rejects with CLIENT_CLOSED as soon as the call is cancelled. */
function sleep(ms: number, cancellation: Cancellation): Promise<void> {
  if (cancellation.aborted) return Promise.reject(new ClientClosedError());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ClientClosedError());
    };
    const timer = setTimeout(() => {
      cancellation.offAbort(onAbort);
      resolve();
    }, ms);
    cancellation.onAbort(onAbort);
  });
}

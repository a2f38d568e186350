import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Cancellation } from "../cancellation.js";
import type { PolicyContext } from "../context.js";
import {
  BulkheadFullError,
  CircuitOpenError,
  ClientClosedError,
  UpstreamTimeoutError,
} from "../errors/index.js";
import { settle, useFakeClock } from "../test-support/async.js";
import { bulkheadPolicy } from "./bulkhead-policy.js";
import { circuitBreakerPolicy } from "./circuit-breaker-policy.js";
import { isServiceFailure } from "./failures.js";
import { stagedPolicy, wrap } from "./policy.js";
import type { Stage } from "./stages.js";
import { timeoutPolicy } from "./timeout-policy.js";

const ctxOf = (signal: AbortSignal, ms = 1000): PolicyContext => ({
  signal,
  deadline: performance.now() + ms,
});

/** A stage that notes each hook it runs. */
function tracer(name: string, log: string[]): Stage {
  return {
    start: () => log.push(`${name} start`),
    enter: () => log.push(`${name}>`),
    leave: (failed) => log.push(`<${name}${failed ? " failed" : ""}`),
  };
}

beforeEach(() => {
  useFakeClock();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("a compiled call (wrap of staged policies)", () => {
  it("enters the stages outermost first and leaves them innermost first, each attempt", async () => {
    const log: string[] = [];
    let attempts = 0;
    const retryOnce: Stage = { retryDelay: (_error, attempt) => (attempt < 2 ? 0 : undefined) };
    const policy = wrap(
      stagedPolicy(retryOnce),
      stagedPolicy(tracer("bulkhead", log)),
      stagedPolicy(tracer("breaker", log)),
    );
    const outcome = policy.execute(async () => {
      attempts++;
      log.push("call");
      if (attempts === 1) throw new Error("first attempt fails");
      return "ok";
    }, ctxOf(new AbortController().signal));
    await vi.runAllTimersAsync();
    await expect(outcome).resolves.toBe("ok");
    expect(log).toEqual([
      "bulkhead start",
      "breaker start",
      "bulkhead>",
      "breaker>",
      "call",
      "<breaker failed",
      "<bulkhead failed",
      "bulkhead>",
      "breaker>",
      "call",
      "<breaker",
      "<bulkhead",
    ]);
  });

  it("leaves the stages already entered when an inner one refuses the attempt", async () => {
    const bulkhead = bulkheadPolicy({ service: "catalog", capacity: 1 });
    const breaker = circuitBreakerPolicy({
      service: "catalog",
      windowMs: 10_000,
      minRequests: 1,
      errorPct: 50,
      openMs: 5_000,
      isFailure: isServiceFailure,
    });
    const policy = wrap(bulkhead, breaker);
    const signal = new AbortController().signal;
    await settle(policy.execute(() => Promise.reject(new Error("down")), ctxOf(signal)));
    expect(breaker.state).toBe("open");
    const refused = await settle(policy.execute(async () => "never", ctxOf(signal)));
    expect((refused as { error: unknown }).error).toBeInstanceOf(CircuitOpenError);
    // The bulkhead the refused call entered was left again: its one place is free.
    expect(bulkhead.inFlight).toBe(0);
    breaker.dispose();
  });

  it("refuses past the bulkhead without calling fn, and frees the place when the call ends", async () => {
    const bulkhead = bulkheadPolicy({ service: "catalog", capacity: 1 });
    const policy = wrap(bulkhead);
    let release: () => void = () => {};
    const first = policy.execute(
      () =>
        new Promise<string>((resolve) => {
          release = () => resolve("first");
        }),
      ctxOf(new AbortController().signal),
    );
    const second = await settle(policy.execute(async () => "second", ctxOf(new AbortController().signal)));
    expect((second as { error: unknown }).error).toBeInstanceOf(BulkheadFullError);
    release();
    await expect(first).resolves.toBe("first");
    expect(bulkhead.inFlight).toBe(0);
  });

  it("runs the attempts on the call's own cancellation when handed it, and its timeout aborts it", async () => {
    const policy = wrap(timeoutPolicy({ service: "catalog", timeoutMs: 100 }));
    const caller = new AbortController();
    const owned = new Cancellation();
    let seen: Cancellation | undefined;
    const outcome = settle(
      policy.execute(
        (attemptCtx) => {
          seen = attemptCtx.cancellation;
          return new Promise<never>(() => {});
        },
        ctxOf(caller.signal),
        owned,
      ),
    );
    await vi.advanceTimersByTimeAsync(100);
    const result = await outcome;
    // No cancellation of its own: the attempt ran on the handed one, and its timeout aborted it.
    expect(seen).toBe(owned);
    expect(owned.aborted).toBe(true);
    expect(owned.reason).toBeInstanceOf(UpstreamTimeoutError);
    expect((result as { error: unknown }).error).toBeInstanceOf(UpstreamTimeoutError);
    // The caller's own signal is never aborted by a timeout.
    expect(caller.signal.aborted).toBe(false);
  });

  it("makes a cancellation of the call's own that follows the caller's, and never aborts the caller's", async () => {
    const policy = wrap(timeoutPolicy({ service: "catalog", timeoutMs: 100 }));
    const caller = new AbortController();
    let seen: AbortSignal | undefined;
    const outcome = settle(
      policy.execute((attemptCtx) => {
        seen = attemptCtx.signal;
        return new Promise<never>(() => {});
      }, ctxOf(caller.signal)),
    );
    await vi.advanceTimersByTimeAsync(100);
    await outcome;
    expect(seen).not.toBe(caller.signal);
    expect(seen?.aborted).toBe(true);
    expect(caller.signal.aborted).toBe(false);
  });

  it("follows a caller's cancellation: the call stops at once when the caller's is aborted", async () => {
    const policy = wrap(timeoutPolicy({ service: "catalog", timeoutMs: 10_000 }));
    const request = new Cancellation();
    let attempt: Cancellation | undefined;
    const outcome = settle(
      policy.execute(
        (attemptCtx) => {
          attempt = attemptCtx.cancellation;
          return new Promise<never>(() => {});
        },
        { signal: request.signal, cancellation: request, deadline: performance.now() + 10_000 },
      ),
    );
    request.abort(new Error("client left"));
    const result = await outcome;
    expect((result as { error: unknown }).error).toBeInstanceOf(ClientClosedError);
    expect(attempt?.aborted).toBe(true);
  });
});

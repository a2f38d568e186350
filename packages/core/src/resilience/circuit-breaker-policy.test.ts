import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PolicyContext } from "../context.js";
import {
  CircuitOpenError,
  ClientClosedError,
  DeadlineExceededError,
  UpstreamBadResponseError,
  UpstreamNotFoundError,
  UpstreamRejectedError,
  UpstreamStatusError,
  UpstreamTimeoutError,
} from "../errors/index.js";
import { deferred, settle, useFakeClock } from "../test-support/async.js";
import {
  type CircuitBreakerOptions,
  type CircuitBreakerPolicy,
  circuitBreakerPolicy,
} from "./circuit-breaker-policy.js";
import { isServiceFailure } from "./failures.js";

const WINDOW_MS = 10_000;
const OPEN_MS = 5_000;

let breakers: CircuitBreakerPolicy[] = [];

function createBreaker(overrides: Partial<CircuitBreakerOptions> = {}): CircuitBreakerPolicy {
  const breaker = circuitBreakerPolicy({
    service: "reviews",
    windowMs: WINDOW_MS,
    minRequests: 10,
    errorPct: 50,
    openMs: OPEN_MS,
    isFailure: isServiceFailure,
    ...overrides,
  });
  breakers.push(breaker);
  return breaker;
}

function contextFor(signal: AbortSignal = new AbortController().signal): PolicyContext {
  return { signal, deadline: performance.now() + 60_000 };
}

const succeed = (breaker: CircuitBreakerPolicy) => breaker.execute(async () => "ok", contextFor());
const failWith = (breaker: CircuitBreakerPolicy, error: Error = new UpstreamStatusError("reviews", 500)) =>
  settle(
    breaker.execute(async () => {
      throw error;
    }, contextFor()),
  );

async function run(breaker: CircuitBreakerPolicy, pattern: string): Promise<void> {
  for (const step of pattern) {
    if (step === "s") await succeed(breaker);
    else await failWith(breaker);
  }
}

async function openBreaker(breaker: CircuitBreakerPolicy): Promise<void> {
  await run(breaker, "ffffffffff");
  expect(breaker.state).toBe("open");
}

beforeEach(() => {
  useFakeClock();
});

afterEach(() => {
  for (const breaker of breakers) breaker.dispose();
  breakers = [];
  expect(vi.getTimerCount()).toBe(0);
  vi.useRealTimers();
});

describe("circuitBreakerPolicy", () => {
  it("stays closed below minRequests, however many of them failed", async () => {
    const breaker = createBreaker();
    await run(breaker, "fffffffff");
    expect(breaker.state).toBe("closed");
    expect(breaker.snapshot()).toMatchObject({ calls: 9, failures: 9, errorPct: 100 });
    await expect(succeed(breaker)).resolves.toBe("ok");
  });

  it("opens at exactly the error percentage once the window holds minRequests calls", async () => {
    const breaker = createBreaker();
    await run(breaker, "sssssffff");
    expect(breaker.state).toBe("closed");
    await run(breaker, "f");
    expect(breaker.state).toBe("open");
  });

  it("opens when the failures came first and the successes only filled the window", async () => {
    const breaker = createBreaker();
    await run(breaker, "fffffssss");
    expect(breaker.state).toBe("closed");
    await run(breaker, "s");
    expect(breaker.state).toBe("open");
  });

  it("stays closed just under the error percentage", async () => {
    const breaker = createBreaker();
    await run(breaker, "ffffssssss");
    expect(breaker.state).toBe("closed");
    expect(breaker.snapshot().errorPct).toBe(40);
  });

  it("does not count calls still in flight towards minRequests", async () => {
    const breaker = createBreaker();
    const pending = Array.from({ length: 5 }, () => deferred<string>());
    const slow = pending.map(({ promise }) => settle(breaker.execute(() => promise, contextFor())));
    await run(breaker, "fffff");
    expect(breaker.state).toBe("closed");
    for (const { resolve } of pending) resolve("late");
    await Promise.all(slow);
    // Now ten settled calls, half of them failed.
    expect(breaker.state).toBe("open");
  });

  it("fails fast with CircuitOpenError and retryAfterS while open, without calling fn", async () => {
    const breaker = createBreaker();
    await openBreaker(breaker);
    const fn = vi.fn(async () => "never");
    const first = await settle(breaker.execute(fn, contextFor()));
    expect(first.ok).toBe(false);
    const error = (first as { error: unknown }).error;
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(error).toMatchObject({ code: "CIRCUIT_OPEN", status: 503, service: "reviews", retryAfterS: 5 });
    await vi.advanceTimersByTimeAsync(2_500);
    await expect(breaker.execute(fn, contextFor())).rejects.toMatchObject({ retryAfterS: 3 });
    await vi.advanceTimersByTimeAsync(2_400);
    await expect(breaker.execute(fn, contextFor())).rejects.toMatchObject({ retryAfterS: 1 });
    expect(fn).not.toHaveBeenCalled();
  });

  it("lets exactly one trial call through after openMs and rejects the calls made meanwhile", async () => {
    const breaker = createBreaker();
    await openBreaker(breaker);
    await vi.advanceTimersByTimeAsync(OPEN_MS - 1);
    expect(breaker.state).toBe("open");
    await vi.advanceTimersByTimeAsync(1);
    expect(breaker.state).toBe("half-open");

    const trial = deferred<string>();
    const fn = vi.fn(() => trial.promise);
    const trialCall = breaker.execute(fn, contextFor());
    const others = await Promise.all(
      Array.from({ length: 5 }, () => settle(breaker.execute(fn, contextFor()))),
    );
    expect(fn).toHaveBeenCalledTimes(1);
    for (const other of others) {
      expect(other.ok).toBe(false);
      expect((other as { error: unknown }).error).toBeInstanceOf(CircuitOpenError);
      expect((other as { error: { retryAfterS: number } }).error.retryAfterS).toBe(1);
    }
    trial.resolve("healed");
    await expect(trialCall).resolves.toBe("healed");
    expect(breaker.state).toBe("closed");
  });

  it("starts a fresh window when the trial closes it: one failure right after does not reopen", async () => {
    const breaker = createBreaker();
    await openBreaker(breaker);
    await vi.advanceTimersByTimeAsync(OPEN_MS);
    await succeed(breaker);
    expect(breaker.state).toBe("closed");
    await failWith(breaker);
    expect(breaker.state).toBe("closed");
    expect(breaker.snapshot()).toMatchObject({ calls: 2, failures: 1, rejected: 0 });
  });

  it("reopens when the trial fails, for another openMs", async () => {
    const breaker = createBreaker();
    await openBreaker(breaker);
    await vi.advanceTimersByTimeAsync(OPEN_MS);
    const trial = await failWith(breaker, new UpstreamTimeoutError("reviews", 800));
    expect((trial as { error: unknown }).error).toBeInstanceOf(UpstreamTimeoutError);
    expect(breaker.state).toBe("open");
    await expect(succeed(breaker)).rejects.toMatchObject({ code: "CIRCUIT_OPEN", retryAfterS: 5 });
    await vi.advanceTimersByTimeAsync(OPEN_MS);
    expect(breaker.state).toBe("half-open");
    await succeed(breaker);
    expect(breaker.state).toBe("closed");
  });

  it("counts 404 and other 4xx answers as successes", async () => {
    const breaker = createBreaker();
    for (let i = 0; i < 10; i++) {
      const outcome = await failWith(breaker, new UpstreamNotFoundError("reviews"));
      expect((outcome as { error: unknown }).error).toBeInstanceOf(UpstreamNotFoundError);
    }
    await failWith(breaker, new UpstreamRejectedError("reviews", 400));
    expect(breaker.state).toBe("closed");
    expect(breaker.snapshot()).toMatchObject({ calls: 11, successes: 11, failures: 0 });
  });

  it("closes on a 404 from the trial: the service answered", async () => {
    const breaker = createBreaker();
    await openBreaker(breaker);
    await vi.advanceTimersByTimeAsync(OPEN_MS);
    await failWith(breaker, new UpstreamNotFoundError("reviews"));
    expect(breaker.state).toBe("closed");
  });

  it("counts wrongly shaped answers and unknown errors as failures", async () => {
    const breaker = createBreaker({ minRequests: 2 });
    await failWith(breaker, new UpstreamBadResponseError("reviews", "unexpected shape"));
    await failWith(breaker, new TypeError("boom"));
    expect(breaker.snapshot()).toMatchObject({ failures: 2 });
    expect(breaker.state).toBe("open");
  });

  it("does not count calls the client abandoned, nor calls whose deadline was gone", async () => {
    const breaker = createBreaker();
    await run(breaker, "fffff");
    for (let i = 0; i < 10; i++) await failWith(breaker, new ClientClosedError());
    expect(breaker.state).toBe("closed");
    expect(breaker.snapshot()).toMatchObject({ calls: 5, failures: 5, successes: 0 });

    const gone = new AbortController();
    gone.abort();
    const fn = vi.fn(async () => "never");
    await expect(breaker.execute(fn, contextFor(gone.signal))).rejects.toBeInstanceOf(ClientClosedError);
    const late = { signal: new AbortController().signal, deadline: performance.now() - 1 };
    await expect(breaker.execute(fn, late)).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(fn).not.toHaveBeenCalled();
    expect(breaker.snapshot().calls).toBe(5);
  });

  it("keeps the half-open trial for a call that can really start", async () => {
    const breaker = createBreaker();
    await openBreaker(breaker);
    await vi.advanceTimersByTimeAsync(OPEN_MS);
    const late = { signal: new AbortController().signal, deadline: performance.now() - 1 };
    await expect(breaker.execute(async () => "never", late)).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(breaker.state).toBe("half-open");
    await expect(succeed(breaker)).resolves.toBe("ok");
    expect(breaker.state).toBe("closed");
  });

  it("forgets calls older than the window", async () => {
    const breaker = createBreaker();
    await run(breaker, "fffffffff");
    await vi.advanceTimersByTimeAsync(WINDOW_MS + WINDOW_MS / 10);
    expect(breaker.snapshot()).toMatchObject({ calls: 0, failures: 0 });
    await run(breaker, "f");
    expect(breaker.state).toBe("closed");
  });

  it("reports its window in snapshot()", async () => {
    const breaker = createBreaker({ minRequests: 5, errorPct: 40 });
    expect(breaker.snapshot()).toEqual({
      state: "closed",
      calls: 0,
      failures: 0,
      successes: 0,
      rejected: 0,
      errorPct: 0,
    });
    await run(breaker, "sssf");
    expect(breaker.snapshot()).toEqual({
      state: "closed",
      calls: 4,
      failures: 1,
      successes: 3,
      rejected: 0,
      errorPct: 25,
    });
    await run(breaker, "f");
    for (let i = 0; i < 3; i++) await settle(succeed(breaker));
    expect(breaker.snapshot()).toEqual({
      state: "open",
      calls: 5,
      failures: 2,
      successes: 3,
      rejected: 3,
      errorPct: 40,
    });
  });

  it("tells onStateChange listeners of each transition until they unsubscribe", async () => {
    const breaker = createBreaker();
    const states: string[] = [];
    const unsubscribe = breaker.onStateChange((state) => states.push(state));
    await openBreaker(breaker);
    await vi.advanceTimersByTimeAsync(OPEN_MS);
    await failWith(breaker);
    await vi.advanceTimersByTimeAsync(OPEN_MS);
    await succeed(breaker);
    expect(states).toEqual(["open", "half-open", "open", "half-open", "closed"]);
    unsubscribe();
    await openBreaker(breaker);
    expect(states).toHaveLength(5);
  });

  it("stops its timers on dispose, even while open", async () => {
    const breaker = createBreaker();
    await openBreaker(breaker);
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    breaker.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PolicyContext } from "../context.js";
import { ClientClosedError, UpstreamConnectionError, UpstreamStatusError } from "../errors/index.js";
import { settle, useFakeClock } from "../test-support/async.js";
import { isRetryable } from "./failures.js";
import { RetryBudget } from "./retry-budget.js";
import { retryPolicy } from "./retry-policy.js";

function contextFor(deadlineMs: number, signal: AbortSignal = new AbortController().signal): PolicyContext {
  return { signal, deadline: performance.now() + deadlineMs };
}

const unavailable = () => new UpstreamStatusError("catalog", 503);

/** A call failing with `errors` in turn, then answering "ok"; it notes when each attempt started. */
function script(...errors: Error[]) {
  const startedAt: number[] = [];
  const fn = vi.fn(async () => {
    startedAt.push(performance.now());
    const error = errors[startedAt.length - 1];
    if (error !== undefined) throw error;
    return "ok";
  });
  return { fn, startedAt };
}

beforeEach(() => {
  useFakeClock();
});

afterEach(() => {
  expect(vi.getTimerCount()).toBe(0);
  vi.useRealTimers();
});

describe("retryPolicy", () => {
  it("retries a retryable failure and returns the answer of the attempt that worked", async () => {
    const { fn } = script(unavailable(), unavailable());
    const onRetry = vi.fn();
    const policy = retryPolicy({
      shouldRetry: isRetryable,
      budget: new RetryBudget(),
      random: () => 0.5,
      onRetry,
    });
    const outcome = settle(policy.execute(fn, contextFor(2000)));
    await vi.runAllTimersAsync();
    expect(await outcome).toEqual({ ok: true, value: "ok" });
    expect(fn).toHaveBeenCalledTimes(3);
    expect(
      onRetry.mock.calls.map(([error, attempt]) => [(error as UpstreamStatusError).upstreamStatus, attempt]),
    ).toEqual([
      [503, 1],
      [503, 2],
    ]);
  });

  it("does not retry what shouldRetry refuses", async () => {
    const failure = new UpstreamStatusError("catalog", 500);
    const { fn } = script(failure);
    const budget = new RetryBudget();
    const policy = retryPolicy({ shouldRetry: isRetryable, budget, random: () => 0.5 });
    await expect(policy.execute(fn, contextFor(2000))).rejects.toBe(failure);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(budget.balance).toBe(10);
  });

  it("gives up after maxAttempts with the last failure", async () => {
    const errors = [unavailable(), unavailable(), unavailable(), unavailable()];
    const { fn } = script(...errors);
    const policy = retryPolicy({
      shouldRetry: isRetryable,
      budget: new RetryBudget(),
      maxAttempts: 3,
      random: () => 0,
    });
    const outcome = settle(policy.execute(fn, contextFor(2000)));
    await vi.runAllTimersAsync();
    expect(await outcome).toEqual({ ok: false, error: errors[2] });
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it("makes a single attempt when maxAttempts is 1", async () => {
    const { fn } = script(unavailable());
    const policy = retryPolicy({ shouldRetry: isRetryable, budget: new RetryBudget(), maxAttempts: 1 });
    await expect(policy.execute(fn, contextFor(2000))).rejects.toBeInstanceOf(UpstreamStatusError);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("backs off exponentially, scaled by the injected jitter", async () => {
    const { fn, startedAt } = script(unavailable(), unavailable(), unavailable());
    const policy = retryPolicy({
      shouldRetry: isRetryable,
      budget: new RetryBudget(),
      maxAttempts: 4,
      baseDelayMs: 100,
      maxDelayMs: 250,
      random: () => 0.5,
    });
    const outcome = settle(policy.execute(fn, contextFor(5000)));
    await vi.runAllTimersAsync();
    expect((await outcome).ok).toBe(true);
    const gaps = startedAt.slice(1).map((at, i) => at - (startedAt[i] ?? 0));
    // 0.5 × min(250, 100·2^n): 50, 100, then capped at 125.
    expect(gaps).toEqual([50, 100, 125]);
  });

  it("keeps every jittered delay within [0, min(maxDelay, base·2^n))", async () => {
    for (const jitter of [0, 0.999_999]) {
      const { fn, startedAt } = script(unavailable(), unavailable(), unavailable());
      const policy = retryPolicy({
        shouldRetry: isRetryable,
        budget: new RetryBudget(),
        maxAttempts: 4,
        baseDelayMs: 100,
        maxDelayMs: 250,
        random: () => jitter,
      });
      const outcome = settle(policy.execute(fn, contextFor(5000)));
      await vi.runAllTimersAsync();
      await outcome;
      const gaps = startedAt.slice(1).map((at, i) => at - (startedAt[i] ?? 0));
      const caps = [100, 200, 250];
      gaps.forEach((gap, i) => {
        expect(gap).toBeGreaterThanOrEqual(0);
        expect(gap).toBeLessThan(caps[i] ?? 0);
        // Timers run at whole milliseconds.
        if (jitter > 0.9) expect(gap).toBeGreaterThanOrEqual((caps[i] ?? 0) - 1);
      });
    }
  });

  it("stops retrying when the next back-off would pass the deadline", async () => {
    const errors = [unavailable(), unavailable(), unavailable()];
    const { fn } = script(...errors);
    const policy = retryPolicy({
      shouldRetry: isRetryable,
      budget: new RetryBudget(),
      baseDelayMs: 100,
      random: () => 0.5,
    });
    // First back-off 50 ms fits in 120 ms; the second (100 ms, from t=50) would end at 150.
    const outcome = settle(policy.execute(fn, contextFor(120)));
    await vi.runAllTimersAsync();
    expect(await outcome).toEqual({ ok: false, error: errors[1] });
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it("stops retrying once the budget is spent, allowing about 10% of calls a retry", async () => {
    const budget = new RetryBudget({ ratio: 0.1, reserve: 0 });
    const onRetry = vi.fn();
    const policy = retryPolicy({
      shouldRetry: isRetryable,
      budget,
      maxAttempts: 2,
      random: () => 0,
      onRetry,
    });
    let failedCalls = 0;
    for (let call = 0; call < 100; call++) {
      const { fn } = script(unavailable());
      const outcome = settle(policy.execute(fn, contextFor(2000)));
      await vi.runAllTimersAsync();
      if (!(await outcome).ok) failedCalls++;
    }
    expect(onRetry).toHaveBeenCalledTimes(10);
    expect(failedCalls).toBe(90);
  });

  it("rejects with ClientClosedError when aborted during the back-off, without another attempt", async () => {
    const controller = new AbortController();
    const { fn } = script(unavailable());
    const policy = retryPolicy({
      shouldRetry: isRetryable,
      budget: new RetryBudget(),
      baseDelayMs: 100,
      random: () => 0.5,
    });
    const outcome = settle(policy.execute(fn, contextFor(2000, controller.signal)));
    await vi.advanceTimersByTimeAsync(20);
    expect(vi.getTimerCount()).toBe(1);
    controller.abort();
    const result = await outcome;
    expect(result.ok).toBe(false);
    expect((result as { error: unknown }).error).toBeInstanceOf(ClientClosedError);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("does not retry once the caller has gone", async () => {
    const controller = new AbortController();
    const fn = vi.fn(async () => {
      controller.abort();
      throw new UpstreamConnectionError("catalog", true);
    });
    const policy = retryPolicy({ shouldRetry: isRetryable, budget: new RetryBudget(), random: () => 0 });
    await expect(policy.execute(fn, contextFor(2000, controller.signal))).rejects.toBeInstanceOf(
      UpstreamConnectionError,
    );
    expect(fn).toHaveBeenCalledTimes(1);
  });
});

describe("RetryBudget", () => {
  it("starts with its reserve and spends one token per retry", () => {
    const budget = new RetryBudget({ ratio: 0.1, reserve: 2 });
    expect(budget.balance).toBe(2);
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);
    expect(budget.balance).toBe(0);
  });

  it("earns one retry per ten calls at a ratio of 0.1", () => {
    const budget = new RetryBudget({ ratio: 0.1, reserve: 0 });
    for (let i = 0; i < 9; i++) budget.deposit();
    expect(budget.tryWithdraw()).toBe(false);
    budget.deposit();
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);
  });

  it("never banks more than its reserve during quiet times", () => {
    const budget = new RetryBudget({ ratio: 0.5, reserve: 3 });
    for (let i = 0; i < 100; i++) budget.deposit();
    expect(budget.balance).toBe(3);
    let retries = 0;
    while (budget.tryWithdraw()) retries++;
    expect(retries).toBe(3);
  });

  it("allows about 10% retries over many calls with the default settings", () => {
    const budget = new RetryBudget();
    let retries = 0;
    for (let call = 0; call < 1000; call++) {
      budget.deposit();
      if (budget.tryWithdraw()) retries++;
    }
    // The reserve of 10, then one in ten.
    expect(retries).toBeGreaterThanOrEqual(105);
    expect(retries).toBeLessThanOrEqual(112);
  });
});

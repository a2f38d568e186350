import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PolicyContext } from "../context.js";
import {
  ClientClosedError,
  DeadlineExceededError,
  UpstreamStatusError,
  UpstreamTimeoutError,
} from "../errors/index.js";
import { settle, sleep, useFakeClock } from "../test-support/async.js";
import { timeoutPolicy } from "./timeout-policy.js";

function contextFor(deadlineMs: number, signal: AbortSignal = new AbortController().signal): PolicyContext {
  return { signal, deadline: performance.now() + deadlineMs };
}

/** A call that only ends when its signal is aborted, as a well-behaved transport does. */
function hang(ctx: PolicyContext): Promise<never> {
  return new Promise((_, reject) => {
    ctx.signal.addEventListener("abort", () => reject(new ClientClosedError()), { once: true });
  });
}

beforeEach(() => {
  useFakeClock();
});

afterEach(() => {
  expect(vi.getTimerCount()).toBe(0);
  vi.useRealTimers();
});

describe("timeoutPolicy", () => {
  it("returns the call's value and leaves no timer behind", async () => {
    const policy = timeoutPolicy({ service: "catalog", timeoutMs: 100 });
    await expect(policy.execute(async () => "answer", contextFor(1000))).resolves.toBe("answer");
  });

  it("cuts the call at its own timeout when that is smaller than what is left of the deadline", async () => {
    const policy = timeoutPolicy({ service: "catalog", timeoutMs: 100 });
    const outcome = settle(policy.execute(hang, contextFor(1000)));
    await vi.advanceTimersByTimeAsync(99);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const result = await outcome;
    expect(result.ok).toBe(false);
    const error = (result as { error: unknown }).error;
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(error).toMatchObject({ code: "UPSTREAM_TIMEOUT", service: "catalog", status: 504 });
    expect((error as Error).message).toContain("100 ms");
  });

  it("cuts the call when the request deadline comes first", async () => {
    const policy = timeoutPolicy({ service: "pricing", timeoutMs: 800 });
    const started = performance.now();
    const outcome = settle(policy.execute(hang, contextFor(300)));
    await vi.advanceTimersByTimeAsync(300);
    const result = await outcome;
    expect(result.ok).toBe(false);
    expect((result as { error: unknown }).error).toBeInstanceOf(UpstreamTimeoutError);
    expect(performance.now() - started).toBe(300);
  });

  it("gives the attempt a deadline no later than the smaller limit", async () => {
    const seen: number[] = [];
    const policy = timeoutPolicy({ service: "pricing", timeoutMs: 800 });
    const now = performance.now();
    await policy.execute(async (ctx) => seen.push(ctx.deadline - now), contextFor(300));
    await policy.execute(async (ctx) => seen.push(ctx.deadline - now), contextFor(5000));
    expect(seen).toEqual([300, 800]);
  });

  it("throws DeadlineExceededError without calling fn when the deadline already passed", async () => {
    const policy = timeoutPolicy({ service: "reviews", timeoutMs: 800 });
    const fn = vi.fn(async () => "never");
    const ctx = contextFor(50);
    await vi.advanceTimersByTimeAsync(50);
    await expect(policy.execute(fn, ctx)).rejects.toBeInstanceOf(DeadlineExceededError);
    await expect(policy.execute(fn, contextFor(-10))).rejects.toMatchObject({
      code: "DEADLINE_EXCEEDED",
      service: "reviews",
    });
    expect(fn).not.toHaveBeenCalled();
  });

  it("aborts the attempt's signal on timeout, so the transport can close its socket", async () => {
    const policy = timeoutPolicy({ service: "inventory", timeoutMs: 50 });
    let attemptSignal: AbortSignal | undefined;
    const outcome = settle(
      policy.execute((ctx) => {
        attemptSignal = ctx.signal;
        return new Promise<never>(() => {});
      }, contextFor(1000)),
    );
    expect(attemptSignal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(50);
    const result = await outcome;
    expect(attemptSignal?.aborted).toBe(true);
    expect(attemptSignal?.reason).toBeInstanceOf(UpstreamTimeoutError);
    expect((result as { error: unknown }).error).toBe(attemptSignal?.reason);
  });

  it("does not abort the caller's own signal on timeout", async () => {
    const parent = new AbortController();
    const policy = timeoutPolicy({ service: "inventory", timeoutMs: 50 });
    const outcome = settle(policy.execute(hang, contextFor(1000, parent.signal)));
    await vi.advanceTimersByTimeAsync(50);
    await outcome;
    expect(parent.signal.aborted).toBe(false);
  });

  it("turns a parent abort into ClientClosedError and aborts the attempt", async () => {
    const parent = new AbortController();
    const policy = timeoutPolicy({ service: "shipping", timeoutMs: 800 });
    let attemptSignal: AbortSignal | undefined;
    const outcome = settle(
      policy.execute(
        (ctx) => {
          attemptSignal = ctx.signal;
          return hang(ctx);
        },
        contextFor(2000, parent.signal),
      ),
    );
    await vi.advanceTimersByTimeAsync(10);
    parent.abort();
    const result = await outcome;
    expect((result as { error: unknown }).error).toBeInstanceOf(ClientClosedError);
    expect(attemptSignal?.aborted).toBe(true);
  });

  it("answers a parent abort at once even when the call ignores its signal", async () => {
    const parent = new AbortController();
    const policy = timeoutPolicy({ service: "shipping", timeoutMs: 800 });
    const outcome = settle(
      policy.execute(() => new Promise<never>(() => {}), contextFor(2000, parent.signal)),
    );
    await vi.advanceTimersByTimeAsync(10);
    parent.abort();
    const result = await outcome;
    expect((result as { error: unknown }).error).toBeInstanceOf(ClientClosedError);
  });

  it("does not call fn when the parent is already aborted", async () => {
    const parent = new AbortController();
    parent.abort();
    const fn = vi.fn(async () => "never");
    const policy = timeoutPolicy({ service: "cart", timeoutMs: 800 });
    await expect(policy.execute(fn, contextFor(2000, parent.signal))).rejects.toBeInstanceOf(
      ClientClosedError,
    );
    expect(fn).not.toHaveBeenCalled();
  });

  it("passes the call's own failure through unchanged", async () => {
    const policy = timeoutPolicy({ service: "orders", timeoutMs: 800 });
    const failure = new UpstreamStatusError("orders", 500);
    const outcome = settle(
      policy.execute(async (ctx) => {
        await sleep(20, ctx.signal);
        throw failure;
      }, contextFor(2000)),
    );
    await vi.advanceTimersByTimeAsync(20);
    expect(await outcome).toEqual({ ok: false, error: failure });
  });
});

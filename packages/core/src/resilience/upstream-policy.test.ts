import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PolicyContext } from "../context.js";
import {
  BulkheadFullError,
  CircuitOpenError,
  UpstreamConnectionError,
  UpstreamStatusError,
  UpstreamTimeoutError,
  UpstreamWriteRejectedError,
} from "../errors/index.js";
import { deferred, settle, useFakeClock } from "../test-support/async.js";
import { createUpstreamPolicy, type UpstreamPolicy, type UpstreamPolicyOptions } from "./upstream-policy.js";

let created: UpstreamPolicy[] = [];

function upstream(overrides: Partial<UpstreamPolicyOptions> = {}): UpstreamPolicy {
  const policy = createUpstreamPolicy({
    service: "catalog",
    timeoutMs: 100,
    breaker: { windowMs: 10_000, minRequests: 4, errorPct: 50, openMs: 5_000 },
    maxConcurrent: 8,
    idempotent: true,
    ...overrides,
  });
  created.push(policy);
  return policy;
}

const ctx = (signal: AbortSignal = new AbortController().signal): PolicyContext => ({
  signal,
  deadline: performance.now() + 2_000,
});

const hang = (context: PolicyContext) =>
  new Promise<never>((_, reject) =>
    context.signal.addEventListener("abort", () => reject(context.signal.reason)),
  );

beforeEach(() => {
  useFakeClock();
});

afterEach(() => {
  for (const policy of created) policy.breaker.dispose();
  created = [];
  expect(vi.getTimerCount()).toBe(0);
  vi.useRealTimers();
});

describe("createUpstreamPolicy", () => {
  it("retries a 503 and lets the breaker count every attempt", async () => {
    const onRetry = vi.fn();
    const { policy, breaker } = upstream({ onRetry });
    let attempts = 0;
    const outcome = settle(
      policy.execute(async () => {
        attempts++;
        if (attempts === 1) throw new UpstreamStatusError("catalog", 503);
        return "ok";
      }, ctx()),
    );
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await outcome).toEqual({ ok: true, value: "ok" });
    expect(onRetry).toHaveBeenCalledTimes(1);
    expect(breaker.snapshot()).toMatchObject({ calls: 2, failures: 1, successes: 1 });
  });

  it("does not retry a call that is not idempotent", async () => {
    const { policy } = upstream({ idempotent: false });
    const fn = vi.fn(async () => {
      throw new UpstreamStatusError("catalog", 503);
    });
    await expect(policy.execute(fn, ctx())).rejects.toBeInstanceOf(UpstreamStatusError);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("limits each attempt by the timeout and does not retry a timeout", async () => {
    const { policy, breaker } = upstream();
    const fn = vi.fn(hang);
    const outcome = settle(policy.execute(fn, ctx()));
    await vi.advanceTimersByTimeAsync(100);
    const result = await outcome;
    expect((result as { error: unknown }).error).toBeInstanceOf(UpstreamTimeoutError);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(breaker.snapshot().failures).toBe(1);
  });

  it("stops retrying at once when the breaker opens", async () => {
    const { policy, breaker } = upstream({
      breaker: { windowMs: 10_000, minRequests: 2, errorPct: 50, openMs: 5_000 },
    });
    const fn = vi.fn(async () => {
      throw new UpstreamStatusError("catalog", 503);
    });
    const outcome = settle(policy.execute(fn, ctx()));
    await vi.advanceTimersByTimeAsync(1_000);
    const result = await outcome;
    // Two attempts opened the breaker; the third was short-circuited.
    expect(fn).toHaveBeenCalledTimes(2);
    expect((result as { error: unknown }).error).toBeInstanceOf(CircuitOpenError);
    expect(breaker.state).toBe("open");
  });

  it("sheds calls past the bulkhead without counting them against the service", async () => {
    const { policy, breaker, bulkhead } = upstream({ maxConcurrent: 1, timeoutMs: 1_000 });
    const gate = deferred<string>();
    const first = policy.execute(() => gate.promise, ctx());
    await expect(policy.execute(async () => "never", ctx())).rejects.toBeInstanceOf(BulkheadFullError);
    expect(bulkhead.inFlight).toBe(1);
    gate.resolve("done");
    await expect(first).resolves.toBe("done");
    expect(breaker.snapshot()).toMatchObject({ calls: 1, failures: 0 });
  });
});

describe("createUpstreamPolicy's write pipeline", () => {
  const refused = () => new UpstreamConnectionError("orders", true, undefined, true);

  it("retries a connection refused before anything was sent, and the breaker counts each attempt", async () => {
    const onRetry = vi.fn();
    const { writePolicy, breaker } = upstream({ onRetry });
    let attempts = 0;
    const outcome = settle(
      writePolicy.execute(async () => {
        attempts++;
        if (attempts === 1) throw refused();
        return "placed";
      }, ctx()),
    );
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await outcome).toEqual({ ok: true, value: "placed" });
    expect(onRetry).toHaveBeenCalledTimes(1);
    expect(breaker.snapshot()).toMatchObject({ calls: 2, failures: 1, successes: 1 });
  });

  it("gives up on refusals after three attempts", async () => {
    const { writePolicy } = upstream();
    const fn = vi.fn(async () => {
      throw refused();
    });
    const outcome = settle(writePolicy.execute(fn, ctx()));
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await outcome).ok).toBe(false);
    expect(fn).toHaveBeenCalledTimes(3);
  });

  const notRetried: Record<string, () => Error> = {
    "a 503": () => new UpstreamStatusError("orders", 503),
    "a 502": () => new UpstreamStatusError("orders", 502),
    "a reset after the request was sent": () => new UpstreamConnectionError("orders", true),
    "a 409": () => new UpstreamWriteRejectedError("orders", 409, { error: "out_of_stock" }),
  };
  for (const [name, make] of Object.entries(notRetried)) {
    it(`does not retry ${name}`, async () => {
      const { writePolicy } = upstream();
      const error = make();
      const fn = vi.fn(async () => {
        throw error;
      });
      const outcome = settle(writePolicy.execute(fn, ctx()));
      await vi.advanceTimersByTimeAsync(1_000);
      expect(await outcome).toEqual({ ok: false, error });
      expect(fn).toHaveBeenCalledTimes(1);
    });
  }

  it("limits each attempt by the timeout and does not retry a timeout", async () => {
    const { writePolicy } = upstream();
    const fn = vi.fn(hang);
    const outcome = settle(writePolicy.execute(fn, ctx()));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(((await outcome) as { error: unknown }).error).toBeInstanceOf(UpstreamTimeoutError);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("shares one breaker with reads: writes' 5xx open it for reads, a 4xx counts as an answer", async () => {
    const { policy, writePolicy, breaker } = upstream();
    await settle(
      writePolicy.execute(async () => {
        throw new UpstreamWriteRejectedError("orders", 409);
      }, ctx()),
    );
    expect(breaker.snapshot()).toMatchObject({ calls: 1, failures: 0, successes: 1 });
    for (let i = 0; i < 3; i++) {
      await settle(
        writePolicy.execute(async () => {
          throw new UpstreamStatusError("orders", 500);
        }, ctx()),
      );
    }
    expect(breaker.state).toBe("open");
    const read = vi.fn(async () => "never");
    await expect(policy.execute(read, ctx())).rejects.toBeInstanceOf(CircuitOpenError);
    expect(read).not.toHaveBeenCalled();
  });

  it("shares one bulkhead with reads", async () => {
    const { policy, writePolicy, bulkhead } = upstream({ maxConcurrent: 1, timeoutMs: 1_000 });
    const gate = deferred<string>();
    const read = policy.execute(() => gate.promise, ctx());
    await expect(writePolicy.execute(async () => "never", ctx())).rejects.toBeInstanceOf(BulkheadFullError);
    expect(bulkhead.inFlight).toBe(1);
    gate.resolve("done");
    await expect(read).resolves.toBe("done");
  });

  it("off by default: no hedging (the pass-through runs the reads' pipeline itself) and the static bulkhead", () => {
    const { policy, streamPolicy, bulkhead } = upstream();
    expect(streamPolicy).toBe(policy);
    expect(bulkhead).toMatchObject({ capacity: 8, limit: 8 });
  });

  it("with a hedge, reads get a hedged pipeline and the pass-through keeps the plain one", async () => {
    const { policy, streamPolicy, writePolicy } = upstream({ hedge: { after: 10 } });
    expect(streamPolicy).not.toBe(policy);
    expect(writePolicy).not.toBe(policy);
    const calls: number[] = [];
    const first = deferred<string>();
    let n = 0;
    const read = policy.execute(() => {
      calls.push(++n);
      return n === 1 ? first.promise : Promise.resolve("hedge");
    }, ctx());
    await vi.advanceTimersByTimeAsync(10);
    await expect(read).resolves.toBe("hedge");
    expect(calls).toEqual([1, 2]);
  });

  it("with adaptiveConcurrency, the bulkhead is the adaptive one: 20 at first, the static size its ceiling", () => {
    expect(upstream({ adaptiveConcurrency: true, maxConcurrent: 256 }).bulkhead).toMatchObject({
      capacity: 256,
      limit: 20,
    });
    expect(upstream({ adaptiveConcurrency: true, maxConcurrent: 8 }).bulkhead).toMatchObject({
      capacity: 8,
      limit: 8,
    });
  });
});

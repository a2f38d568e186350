import { describe, expect, it, vi } from "vitest";
import type { PolicyContext } from "../context.js";
import { BulkheadFullError, UpstreamStatusError } from "../errors/index.js";
import { deferred, settle } from "../test-support/async.js";
import { bulkheadPolicy } from "./bulkhead-policy.js";

const ctx = (): PolicyContext => ({
  signal: new AbortController().signal,
  deadline: performance.now() + 1000,
});

describe("bulkheadPolicy", () => {
  it("admits calls up to its capacity and counts them in flight", async () => {
    const bulkhead = bulkheadPolicy({ service: "catalog", capacity: 2 });
    const gates = [deferred<string>(), deferred<string>()];
    const calls = gates.map((gate) => bulkhead.execute(() => gate.promise, ctx()));
    expect(bulkhead.capacity).toBe(2);
    expect(bulkhead.inFlight).toBe(2);
    gates[0]?.resolve("a");
    gates[1]?.resolve("b");
    await expect(Promise.all(calls)).resolves.toEqual(["a", "b"]);
    expect(bulkhead.inFlight).toBe(0);
  });

  it("rejects the call past capacity at once with BulkheadFullError, without calling fn", async () => {
    const bulkhead = bulkheadPolicy({ service: "catalog", capacity: 1 });
    const gate = deferred<string>();
    const running = bulkhead.execute(() => gate.promise, ctx());
    const fn = vi.fn(async () => "never");
    const rejected = await settle(bulkhead.execute(fn, ctx()));
    expect(rejected.ok).toBe(false);
    const error = (rejected as { error: unknown }).error;
    expect(error).toBeInstanceOf(BulkheadFullError);
    expect(error).toMatchObject({ code: "BULKHEAD_FULL", status: 503, service: "catalog", retryAfterS: 1 });
    expect(fn).not.toHaveBeenCalled();
    gate.resolve("done");
    await running;
  });

  it("frees the slot when a call finishes, so the next one is admitted", async () => {
    const bulkhead = bulkheadPolicy({ service: "catalog", capacity: 1 });
    await bulkhead.execute(async () => "first", ctx());
    await expect(bulkhead.execute(async () => "second", ctx())).resolves.toBe("second");
  });

  it("frees the slot when a call fails, asynchronously or synchronously", async () => {
    const bulkhead = bulkheadPolicy({ service: "catalog", capacity: 1 });
    const failure = new UpstreamStatusError("catalog", 500);
    await expect(
      bulkhead.execute(async () => {
        throw failure;
      }, ctx()),
    ).rejects.toBe(failure);
    expect(bulkhead.inFlight).toBe(0);
    await expect(
      bulkhead.execute(() => {
        throw failure;
      }, ctx()),
    ).rejects.toBe(failure);
    expect(bulkhead.inFlight).toBe(0);
    await expect(bulkhead.execute(async () => "ok", ctx())).resolves.toBe("ok");
  });

  it("gives the call the caller's deadline and a stop that follows the caller's", async () => {
    const bulkhead = bulkheadPolicy({ service: "catalog", capacity: 1 });
    const caller = new AbortController();
    const context = { ...ctx(), signal: caller.signal };
    await bulkhead.execute(async (seen) => {
      expect(seen.deadline).toBe(context.deadline);
      expect(seen.signal.aborted).toBe(false);
      caller.abort();
      expect(seen.signal.aborted).toBe(true);
    }, context);
  });
});

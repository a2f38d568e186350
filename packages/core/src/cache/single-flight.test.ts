import { describe, expect, it, vi } from "vitest";
import type { Cancellation } from "../cancellation.js";
import { ClientClosedError, UpstreamStatusError } from "../errors/index.js";
import { deferred, settle } from "../test-support/async.js";
import { SingleFlight } from "./single-flight.js";

const live = () => new AbortController().signal;

describe("SingleFlight", () => {
  it("runs fn once for 20 concurrent identical calls and gives each the same answer", async () => {
    const flights = new SingleFlight();
    const gate = deferred<{ id: string }>();
    const fn = vi.fn(() => gate.promise);
    const onJoin = vi.fn();
    const calls = Array.from({ length: 20 }, () => flights.do("catalog /products/p1", live(), fn, onJoin));
    expect(flights.inFlight).toBe(1);
    gate.resolve({ id: "p1" });
    const answers = await Promise.all(calls);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(onJoin).toHaveBeenCalledTimes(19);
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).toEqual({ id: "p1" });
    expect(flights.inFlight).toBe(0);
  });

  it("runs different keys separately", async () => {
    const flights = new SingleFlight();
    const fn = vi.fn(async (_cancellation: Cancellation) => "x");
    await Promise.all([flights.do("a", live(), fn), flights.do("b", live(), fn)]);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it("shares a failure with every waiter", async () => {
    const flights = new SingleFlight();
    const failure = new UpstreamStatusError("catalog", 500);
    const gate = deferred<string>();
    const calls = Array.from({ length: 5 }, () => settle(flights.do("k", live(), () => gate.promise)));
    gate.reject(failure);
    for (const outcome of await Promise.all(calls)) expect(outcome).toEqual({ ok: false, error: failure });
  });

  it("turns a synchronous throw of fn into a shared rejection", async () => {
    const flights = new SingleFlight();
    const failure = new Error("sync");
    const outcome = await settle(
      flights.do("k", live(), () => {
        throw failure;
      }),
    );
    expect(outcome).toEqual({ ok: false, error: failure });
    expect(flights.inFlight).toBe(0);
  });

  it("lets one waiter leave without aborting the call for the others", async () => {
    const flights = new SingleFlight();
    const gate = deferred<string>();
    let shared: AbortSignal | undefined;
    const leaving = new AbortController();
    const first = settle(
      flights.do("k", leaving.signal, (cancellation) => {
        shared = cancellation.signal;
        return gate.promise;
      }),
    );
    const second = flights.do("k", live(), () => gate.promise);
    leaving.abort();
    const left = await first;
    expect((left as { error: unknown }).error).toBeInstanceOf(ClientClosedError);
    expect(shared?.aborted).toBe(false);
    gate.resolve("answer");
    await expect(second).resolves.toBe("answer");
  });

  it("aborts the shared call's signal when every waiter has left", async () => {
    const flights = new SingleFlight();
    const callers = [new AbortController(), new AbortController(), new AbortController()];
    let shared: AbortSignal | undefined;
    const fn = (cancellation: Cancellation) => {
      const signal = cancellation.signal;
      shared = signal;
      return new Promise<string>((_, reject) =>
        signal.addEventListener("abort", () => reject(signal.reason)),
      );
    };
    const calls = callers.map((caller) => settle(flights.do("k", caller.signal, fn)));
    callers[0]?.abort();
    callers[1]?.abort();
    expect(shared?.aborted).toBe(false);
    callers[2]?.abort();
    expect(shared?.aborted).toBe(true);
    for (const outcome of await Promise.all(calls)) {
      expect((outcome as { error: unknown }).error).toBeInstanceOf(ClientClosedError);
    }
    expect(flights.inFlight).toBe(0);
  });

  it("starts a fresh call for a caller arriving after every waiter left", async () => {
    const flights = new SingleFlight();
    const caller = new AbortController();
    const fn = vi.fn(
      (cancellation: Cancellation) =>
        new Promise<string>((resolve, reject) => {
          cancellation.onAbort(reject);
          if (fn.mock.calls.length > 1) resolve("second");
        }),
    );
    const first = settle(flights.do("k", caller.signal, fn));
    caller.abort();
    await first;
    await expect(flights.do("k", live(), fn)).resolves.toBe("second");
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it("runs a finished key again", async () => {
    const flights = new SingleFlight();
    let n = 0;
    const fn = vi.fn(async () => ++n);
    await expect(flights.do("k", live(), fn)).resolves.toBe(1);
    await expect(flights.do("k", live(), fn)).resolves.toBe(2);
    const failing = vi.fn(async () => {
      throw new Error("once");
    });
    await expect(flights.do("f", live(), failing)).rejects.toThrow("once");
    await expect(flights.do("f", live(), fn)).resolves.toBe(3);
  });

  it("starts nothing for a caller whose signal is already aborted", async () => {
    const flights = new SingleFlight();
    const gone = new AbortController();
    gone.abort();
    const fn = vi.fn(async () => {
      throw new Error("must not run");
    });
    await expect(flights.do("k", gone.signal, fn)).rejects.toBeInstanceOf(ClientClosedError);
    expect(fn).not.toHaveBeenCalled();
    expect(flights.inFlight).toBe(0);
  });

  it("keeps serving the waiters that stay when the shared call later fails", async () => {
    const flights = new SingleFlight();
    const gate = deferred<string>();
    const leaving = new AbortController();
    const first = settle(flights.do("k", leaving.signal, () => gate.promise));
    const staying = settle(flights.do("k", live(), () => gate.promise));
    leaving.abort();
    await first;
    const failure = new Error("late failure");
    gate.reject(failure);
    expect(await staying).toEqual({ ok: false, error: failure });
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { UpstreamAttemptEvent, UpstreamOutcome } from "../client/upstream-observer.js";
import { UpstreamConnectionError } from "../errors/index.js";
import type { HealthProbe } from "./health-probe.js";
import { OutlierDetector, type OutlierDetectorOptions, type OutlierEvent } from "./outlier-detector.js";
import type { ServiceInstance, ServiceRegistry } from "./service-registry.js";
import { StaticRegistry } from "./static-registry.js";

const a: ServiceInstance = { id: "http://a:1", url: "http://a:1" };
const b: ServiceInstance = { id: "http://b:1", url: "http://b:1" };
const c: ServiceInstance = { id: "http://c:1", url: "http://c:1" };

let detector: OutlierDetector | undefined;

/** A probe whose answer the test sets; it counts calls. */
function scriptedProbe(initial = false) {
  const state = { healthy: initial, calls: 0 };
  const probe: HealthProbe = async () => {
    state.calls += 1;
    return state.healthy;
  };
  return { state, probe };
}

function open(
  options: OutlierDetectorOptions = {},
  registry: ServiceRegistry = new StaticRegistry({ catalog: [a.url, b.url, c.url] }),
) {
  detector = new OutlierDetector(registry, { ejectionMs: 10_000, healthCheckIntervalMs: 1000, ...options });
  return detector;
}

function attempt(instance: ServiceInstance, outcome: UpstreamOutcome, status?: number): UpstreamAttemptEvent {
  return {
    service: "catalog",
    instance,
    outcome,
    durationMs: 5,
    ...(status === undefined ? {} : { status }),
  };
}

function fail(d: OutlierDetector, instance: ServiceInstance, times: number, status?: number) {
  for (let i = 0; i < times; i++) d.attempt(attempt(instance, "error", status));
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  detector?.close();
  detector = undefined;
  expect(vi.getTimerCount()).toBe(0);
  vi.useRealTimers();
});

describe("OutlierDetector", () => {
  it("ejects an instance after consecutive connection errors or 5xx, and only that instance", () => {
    const { probe } = scriptedProbe();
    const d = open({ consecutiveFailures: 3, probe });
    fail(d, a, 2); // connection errors: no status
    expect(d.isEjected("catalog", a)).toBe(false);
    fail(d, a, 1, 503);
    expect(d.isEjected("catalog", a)).toBe(true);
    expect(d.isEjected("catalog", b)).toBe(false);
    expect(d.status("catalog").map((s) => s.ejected)).toEqual([true, false, false]);
  });

  it("ejects at once when the connection was refused: nothing listens there", () => {
    const d = open({ consecutiveFailures: 5, probe: scriptedProbe().probe });
    const refused = new Error("The catalog service could not be reached", {
      cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
    });
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    d.attempt({ ...attempt(b, "error"), error: reset });
    expect(d.isEjected("catalog", b)).toBe(false);
    d.attempt({ ...attempt(a, "error"), error: refused });
    expect(d.isEjected("catalog", a)).toBe(true);
  });

  it("ejects at once a call a transport says was not sent for want of a connection (gRPC)", () => {
    const d = open({ consecutiveFailures: 5, probe: scriptedProbe().probe });
    const dropped = new UpstreamConnectionError("catalog", true, new Error("Connection dropped"));
    d.attempt({ ...attempt(b, "error"), error: dropped });
    expect(d.isEjected("catalog", b)).toBe(false);
    const neverConnected = new UpstreamConnectionError(
      "catalog",
      true,
      new Error("No connection established"),
      true,
    );
    d.attempt({ ...attempt(a, "error"), error: neverConnected });
    expect(d.isEjected("catalog", a)).toBe(true);
  });

  it("counts timeouts; a success resets the count; 4xx, aborted and refused-before-start attempts change nothing", () => {
    const d = open({ consecutiveFailures: 3, probe: scriptedProbe().probe });
    d.attempt(attempt(a, "timeout"));
    d.attempt(attempt(a, "error", 500));
    d.attempt(attempt(a, "ok", 200));
    d.attempt(attempt(a, "timeout"));
    d.attempt(attempt(a, "ok", 404));
    d.attempt(attempt(a, "error", 502));
    d.attempt(attempt(a, "aborted"));
    d.attempt(attempt(a, "rejected"));
    d.attempt(attempt(a, "short-circuited"));
    d.attempt(attempt(a, "error", 200)); // a wrongly shaped 200: an answer, if a bad one
    d.attempt(attempt(a, "error", 503));
    expect(d.isEjected("catalog", a)).toBe(false);
    d.attempt(attempt(a, "error"));
    expect(d.isEjected("catalog", a)).toBe(true);
  });

  it("keeps an ejected instance out for the back-off period, then brings it back at the first passing health check", async () => {
    const { state, probe } = scriptedProbe(false);
    const events: OutlierEvent[] = [];
    const d = open({ consecutiveFailures: 2, probe, onChange: (e) => events.push(e) });
    fail(d, a, 2);
    expect(events).toEqual([{ service: "catalog", instance: a, kind: "ejected", ejectionMs: 10_000 }]);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(state.calls).toBe(0);
    expect(d.isEjected("catalog", a)).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(state.calls).toBe(1); // first probe at the end of the period: still unhealthy
    expect(d.isEjected("catalog", a)).toBe(true);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(state.calls).toBe(4); // probed every second
    state.healthy = true;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(d.isEjected("catalog", a)).toBe(false);
    expect(events.at(-1)).toEqual({ service: "catalog", instance: a, kind: "returned" });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(state.calls).toBe(5); // no probes once it is back
  });

  it("doubles the ejection period when an instance fails again right after returning, up to the maximum", async () => {
    const { probe } = scriptedProbe(true);
    const periods: number[] = [];
    const d = open({
      consecutiveFailures: 1,
      maxEjectionMs: 30_000,
      probe,
      onChange: (e) => e.ejectionMs && periods.push(e.ejectionMs),
    });
    for (let round = 0; round < 4; round++) {
      fail(d, a, 1);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(d.isEjected("catalog", a)).toBe(false);
    }
    expect(periods).toEqual([10_000, 20_000, 30_000, 30_000]);
    // A success in between starts over.
    d.attempt(attempt(a, "ok", 200));
    fail(d, a, 1);
    expect(periods.at(-1)).toBe(10_000);
  });

  it("never ejects more than maxEjectedPct of a service's instances (at least one)", () => {
    const d = open({ consecutiveFailures: 1, maxEjectedPct: 50, probe: scriptedProbe().probe });
    fail(d, a, 1);
    fail(d, b, 5);
    fail(d, c, 5);
    expect([a, b, c].map((i) => d.isEjected("catalog", i))).toEqual([true, false, false]);
  });

  it("ignores attempts at an instance the registry does not list (e.g. a broker queue)", async () => {
    const { state, probe } = scriptedProbe(false);
    const d = open({ consecutiveFailures: 1, probe });
    const queue: ServiceInstance = { id: "amqp:shipping.quotes", url: "amqp://shipping.quotes" };
    fail(d, queue, 3);
    expect(d.isEjected("catalog", queue)).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(state.calls).toBe(0);
  });

  it("is off with consecutiveFailures 0", () => {
    const d = open({ consecutiveFailures: 0, probe: scriptedProbe().probe });
    fail(d, a, 100);
    expect(d.isEjected("catalog", a)).toBe(false);
  });

  it("forgets an instance that left the registry, timers included, and treats a new URL under its id as new", async () => {
    let instances: ServiceInstance[] = [a, b];
    let notify: (service: string, list: readonly ServiceInstance[]) => void = () => {};
    const registry: ServiceRegistry = {
      instances: () => instances,
      onChange: (listener) => {
        notify = listener;
        return () => {};
      },
      close: async () => {},
    };
    const { state, probe } = scriptedProbe(false);
    const d = open({ consecutiveFailures: 1, probe }, registry);
    fail(d, a, 1);
    expect(d.isEjected("catalog", a)).toBe(true);
    instances = [b];
    notify("catalog", instances);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(state.calls).toBe(0);
    const moved: ServiceInstance = { id: a.id, url: "http://a:2" };
    instances = [moved, b];
    expect(d.isEjected("catalog", moved)).toBe(false);
  });

  it("stops probing when closed", async () => {
    const { state, probe } = scriptedProbe(false);
    const d = open({ consecutiveFailures: 1, probe });
    fail(d, a, 1);
    await vi.advanceTimersByTimeAsync(12_000);
    const calls = state.calls;
    d.close();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(state.calls).toBe(calls);
  });

  it("refuses bad options up front", () => {
    const registry = new StaticRegistry({});
    expect(() => new OutlierDetector(registry, { consecutiveFailures: -1 })).toThrow(RangeError);
    expect(() => new OutlierDetector(registry, { maxEjectedPct: 0 })).toThrow(RangeError);
  });
});

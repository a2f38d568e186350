import { describe, expect, it } from "vitest";
import { RollingWindow } from "./rolling-window.js";

function clock(start = 1_000_000_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe("RollingWindow", () => {
  it("counts events, failures and flags over the window", () => {
    const time = clock();
    const window = new RollingWindow({ now: time.now });
    window.record(10, false, false);
    window.record(20, true, false);
    window.record(undefined, true, true);
    const summary = window.summary();
    expect(summary).toMatchObject({ count: 3, failed: 2, flagged: 1 });
    // Only two were timed.
    expect(summary.latencyMs.p99).toBeGreaterThan(18);
    expect(summary.latencyMs.p99).toBeLessThan(22);
  });

  it("forgets what is older than the window", () => {
    const time = clock();
    const window = new RollingWindow({ seconds: 60, now: time.now });
    window.record(5, true, false);
    time.advance(30_000);
    window.record(5, false, false);
    expect(window.summary().count).toBe(2);
    time.advance(30_500);
    expect(window.summary()).toMatchObject({ count: 1, failed: 0 });
    time.advance(60_000);
    expect(window.summary()).toMatchObject({
      count: 0,
      failed: 0,
      latencyMs: { p50: null, p95: null, p99: null },
    });
  });

  it("reuses a slot when its second comes round again, without the old counts", () => {
    const time = clock();
    const window = new RollingWindow({ seconds: 10, now: time.now });
    for (let i = 0; i < 5; i++) window.record(1, true, true);
    time.advance(10_000);
    window.record(1, false, false);
    expect(window.summary()).toMatchObject({ count: 1, failed: 0, flagged: 0 });
  });

  it("estimates percentiles within about ten percent", () => {
    const time = clock();
    const window = new RollingWindow({ now: time.now });
    for (let ms = 1; ms <= 1000; ms++) window.record(ms, false, false);
    const { p50, p95, p99 } = window.summary().latencyMs;
    expect(p50).toBeGreaterThan(450);
    expect(p50).toBeLessThan(550);
    expect(p95).toBeGreaterThan(855);
    expect(p95).toBeLessThan(1045);
    expect(p99).toBeGreaterThan(890);
    expect(p99).toBeLessThan(1090);
  });

  it("gives the rate per second over the time since it started, up to the window", () => {
    const time = clock(1_000_000_000_000);
    const window = new RollingWindow({ seconds: 60, now: time.now });
    for (let i = 0; i < 10; i++) window.record(1, false, false);
    time.advance(4_000);
    // Five seconds seen (0..4): 10 events.
    expect(window.summary().ratePerS).toBe(2);
    time.advance(100_000);
    for (let i = 0; i < 60; i++) window.record(1, false, false);
    expect(window.summary().ratePerS).toBe(1);
  });

  it("has per-second series ending with the last complete second", () => {
    const time = clock(1_000_000_000_000);
    const window = new RollingWindow({ seconds: 5, now: time.now });
    window.record(10, false, false);
    window.record(30, true, false);
    time.advance(2_000);
    window.record(7, false, false);
    const series = window.series();
    expect(series.count).toEqual([0, 0, 0, 2, 0]);
    expect(series.failed).toEqual([0, 0, 0, 1, 0]);
    expect(series.meanMs).toEqual([null, null, null, 20, null]);
  });

  it("can go without the latency histogram", () => {
    const window = new RollingWindow({ latency: false });
    window.record(12, false, false);
    expect(window.summary()).toMatchObject({ count: 1, latencyMs: { p50: null } });
  });
});

import { describe, expect, it } from "vitest";
import { Gradient2Limit } from "./gradient2-limit.js";

/** Feeds `windows` windows of 10 samples of `rttMs`, with `inFlight` calls in flight (default: the limit's worth). */
function feed(limit: Gradient2Limit, windows: number, rttMs: number, inFlight?: number): void {
  for (let w = 0; w < windows; w++) {
    for (let i = 0; i < 10; i++) limit.sample(rttMs, inFlight ?? limit.limit);
  }
}

describe("Gradient2Limit", () => {
  it("starts at its initial limit, within [min, max]", () => {
    expect(new Gradient2Limit({ initial: 20, max: 256 }).limit).toBe(20);
    expect(new Gradient2Limit({ initial: 20, max: 8 }).limit).toBe(8);
    expect(new Gradient2Limit({ initial: 0, max: 8 }).limit).toBe(1);
  });

  it("shrinks when latency rises well above its long-term average", () => {
    const limit = new Gradient2Limit({ initial: 20, max: 256 });
    feed(limit, 5, 10);
    const before = limit.limit;
    feed(limit, 10, 40);
    expect(limit.limit).toBeLessThan(before);
    expect(limit.limit).toBeLessThanOrEqual(12);
  });

  it("grows back when latency returns to normal, and keeps growing while the calls keep up", () => {
    const limit = new Gradient2Limit({ initial: 20, max: 256 });
    feed(limit, 5, 10);
    feed(limit, 15, 40);
    const shrunk = limit.limit;
    feed(limit, 20, 10);
    expect(limit.limit).toBeGreaterThan(shrunk);
    feed(limit, 40, 10);
    expect(limit.limit).toBeGreaterThan(20);
  });

  it("does not grow while the service is used below half the limit (nothing proves it can take more)", () => {
    const limit = new Gradient2Limit({ initial: 20, max: 256 });
    feed(limit, 30, 10, 3);
    expect(limit.limit).toBe(20);
  });

  it("never drops below 1, however slow the service gets", () => {
    const limit = new Gradient2Limit({ initial: 4, max: 256 });
    feed(limit, 2, 1);
    for (let rtt = 10; rtt < 100_000; rtt *= 2) feed(limit, 5, rtt, 4);
    expect(limit.limit).toBe(1);
  });

  it("never grows above the ceiling (the static bulkhead)", () => {
    const limit = new Gradient2Limit({ initial: 5, max: 8 });
    feed(limit, 200, 10, 8);
    expect(limit.limit).toBe(8);
  });
});

import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff.js";

describe("backoffDelay", () => {
  it("doubles the ceiling each attempt, up to the maximum", () => {
    const top = (attempt: number) => backoffDelay(attempt, { random: () => 0.999999 });
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(top)).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it("never waits less than half the ceiling", () => {
    const bottom = (attempt: number) => backoffDelay(attempt, { random: () => 0 });
    expect([0, 1, 2, 10].map(bottom)).toEqual([50, 100, 200, 2500]);
  });

  it("takes its own initial and maximum delays", () => {
    expect(backoffDelay(3, { initialMs: 10, maxMs: 50, random: () => 0.999999 })).toBe(50);
    expect(backoffDelay(0, { initialMs: 10, maxMs: 50, random: () => 0.5 })).toBe(8);
  });

  it("stays finite for huge attempt numbers", () => {
    expect(backoffDelay(10_000, { random: () => 0.5 })).toBe(3750);
  });
});

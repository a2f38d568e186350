import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MemoryRateLimiter } from "./memory-rate-limiter.js";

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("MemoryRateLimiter", () => {
  it("allows `limit` requests in a window and counts down what remains", async () => {
    const limiter = new MemoryRateLimiter();
    const decisions = [];
    for (let i = 0; i < 3; i += 1) decisions.push(await limiter.consume("acme", 3));
    expect(decisions.map((d) => [d.allowed, d.limit, d.remaining])).toEqual([
      [true, 3, 2],
      [true, 3, 1],
      [true, 3, 0],
    ]);
    expect(decisions[0]?.resetS).toBe(60);
  });

  it("never announces more than the window, whatever the clock's fractions", async () => {
    // 30600.870810477467 + 3000 - 30600.870810477467 is 3000.0000000000036 in floating point.
    let clock = 30_600.870810477467;
    const limiter = new MemoryRateLimiter({ windowMs: 3_000, now: () => clock });
    expect((await limiter.consume("acme", 3)).resetS).toBe(3);
    for (let i = 0; i < 2_000; i += 1) {
      clock = Math.random() * 1e6;
      expect((await limiter.consume(`key-${i}`, 3)).resetS).toBe(3);
    }
  });

  it("refuses the request after the quota with the seconds left until the reset", async () => {
    const limiter = new MemoryRateLimiter();
    await limiter.consume("acme", 2);
    await limiter.consume("acme", 2);
    vi.advanceTimersByTime(20_500);
    const refused = await limiter.consume("acme", 2);
    expect(refused).toEqual({ allowed: false, limit: 2, remaining: 0, resetS: 40 });
  });

  it("opens a fresh window once the old one has passed", async () => {
    const limiter = new MemoryRateLimiter();
    await limiter.consume("acme", 1);
    expect((await limiter.consume("acme", 1)).allowed).toBe(false);
    vi.advanceTimersByTime(59_999);
    expect((await limiter.consume("acme", 1)).allowed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(await limiter.consume("acme", 1)).toEqual({ allowed: true, limit: 1, remaining: 0, resetS: 60 });
  });

  it("does not count refused requests against the next window", async () => {
    const limiter = new MemoryRateLimiter({ windowMs: 1_000 });
    await limiter.consume("acme", 2);
    await limiter.consume("acme", 2);
    for (let i = 0; i < 10; i += 1) await limiter.consume("acme", 2);
    vi.advanceTimersByTime(1_000);
    expect((await limiter.consume("acme", 2)).remaining).toBe(1);
  });

  it("keeps every key's count apart", async () => {
    const limiter = new MemoryRateLimiter();
    await limiter.consume("acme", 1);
    expect((await limiter.consume("acme", 1)).allowed).toBe(false);
    expect((await limiter.consume("globex", 1)).allowed).toBe(true);
  });

  it("takes the window length from its options and never reports a reset under one second", async () => {
    const limiter = new MemoryRateLimiter({ windowMs: 500 });
    expect((await limiter.consume("acme", 1)).resetS).toBe(1);
    vi.advanceTimersByTime(499);
    expect(await limiter.consume("acme", 1)).toEqual({ allowed: false, limit: 1, remaining: 0, resetS: 1 });
  });

  it("refuses everything when the limit is 0", async () => {
    const limiter = new MemoryRateLimiter();
    expect((await limiter.consume("acme", 0)).allowed).toBe(false);
  });

  it("drops expired windows so memory stays bounded by the active keys", async () => {
    const limiter = new MemoryRateLimiter({ windowMs: 1_000 });
    for (let i = 0; i < 100; i += 1) await limiter.consume(`key-${i}`, 5);
    expect(limiter.size).toBe(100);
    vi.advanceTimersByTime(1_000);
    await limiter.consume("fresh", 5);
    expect(limiter.size).toBe(1);
  });

  it("rejects a bad limit or window length", async () => {
    const limiter = new MemoryRateLimiter();
    await expect(limiter.consume("acme", -1)).rejects.toThrow(RangeError);
    await expect(limiter.consume("acme", 1.5)).rejects.toThrow(RangeError);
    expect(() => new MemoryRateLimiter({ windowMs: 0 })).toThrow(RangeError);
  });
});

import { describe, expect, it } from "vitest";
import { DegradingRateLimiter } from "./degrading-rate-limiter.js";
import { MemoryRateLimiter } from "./memory-rate-limiter.js";
import type { RateLimiter } from "./rate-limiter.js";

/** A shared limiter that fails while `down` is set. */
function scriptedPrimary() {
  const inner = new MemoryRateLimiter();
  const state = { down: false, calls: 0 };
  const limiter: RateLimiter = {
    consume: async (key, limit) => {
      state.calls += 1;
      if (state.down) throw new Error("redis down");
      return inner.consume(key, limit);
    },
    close: () => inner.close(),
  };
  return { limiter, state };
}

describe("DegradingRateLimiter", () => {
  it("counts in the primary while it works", async () => {
    const { limiter: primary, state } = scriptedPrimary();
    const limiter = new DegradingRateLimiter({ primary, fallback: new MemoryRateLimiter() });
    await limiter.consume("acme", 2);
    await limiter.consume("acme", 2);
    expect((await limiter.consume("acme", 2)).allowed).toBe(false);
    expect(state.calls).toBe(3);
  });

  it("fails open to counting per instance while the primary is down, then goes back to it", async () => {
    const { limiter: primary, state } = scriptedPrimary();
    let now = 0;
    const errors: unknown[] = [];
    const limiter = new DegradingRateLimiter({
      primary,
      fallback: new MemoryRateLimiter(),
      cooldownMs: 1000,
      now: () => now,
      onError: (e) => errors.push(e),
    });
    state.down = true;
    // Requests keep flowing, still held to the quota locally.
    expect(await limiter.consume("acme", 2)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await limiter.consume("acme", 2)).toMatchObject({ allowed: true, remaining: 0 });
    expect((await limiter.consume("acme", 2)).allowed).toBe(false);
    expect(state.calls).toBe(1); // skipped during the cool-down
    expect(errors).toHaveLength(1);
    now = 1000;
    state.down = false;
    expect(await limiter.consume("acme", 2)).toMatchObject({ allowed: true, remaining: 1 });
    expect(state.calls).toBe(2);
  });

  it("counts locally while the primary is unavailable, and in the primary the moment it is back", async () => {
    const { limiter: primary, state } = scriptedPrimary();
    let connected = false;
    const limiter = new DegradingRateLimiter({
      primary,
      fallback: new MemoryRateLimiter(),
      available: () => connected,
    });
    expect((await limiter.consume("acme", 5)).remaining).toBe(4);
    expect(state.calls).toBe(0);
    connected = true;
    expect((await limiter.consume("acme", 5)).remaining).toBe(4);
    expect(state.calls).toBe(1);
  });

  it("rejects a bad limit itself rather than blaming the primary", async () => {
    const { limiter: primary, state } = scriptedPrimary();
    const limiter = new DegradingRateLimiter({ primary, fallback: new MemoryRateLimiter() });
    await expect(limiter.consume("acme", -1)).rejects.toThrow(RangeError);
    expect(state.calls).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import { RandomPool } from "./random-pool.js";

describe("RandomPool", () => {
  it("gives hex and base64url of the asked length", () => {
    const pool = new RandomPool();
    expect(pool.hex(8)).toMatch(/^[0-9a-f]{16}$/);
    expect(pool.hex(16)).toMatch(/^[0-9a-f]{32}$/);
    expect(pool.base64url(12)).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it("never hands out the same bytes twice, across refills", () => {
    const pool = new RandomPool();
    const seen = new Set<string>();
    // 4 KiB per refill: 3,000 ids of 16 bytes cross about a dozen refills.
    for (let i = 0; i < 3000; i++) seen.add(pool.hex(16));
    expect(seen.size).toBe(3000);
  });

  it("spreads its bytes over every value", () => {
    const pool = new RandomPool();
    const counts = new Uint32Array(256);
    const n = 64 * 1024;
    for (let i = 0; i < n / 16; i++) {
      const hex = pool.hex(16);
      for (let j = 0; j < 32; j += 2) {
        const byte = Number.parseInt(hex.slice(j, j + 2), 16);
        counts[byte] = (counts[byte] ?? 0) + 1;
      }
    }
    // 256 expected per value; a stuck or zeroed pool lands far outside.
    expect(Math.min(...Array.from(counts))).toBeGreaterThan(150);
    expect(Math.max(...Array.from(counts))).toBeLessThan(380);
  });

  it("refuses more than one pool at a time", () => {
    expect(() => new RandomPool().hex(8192)).toThrow(RangeError);
  });
});

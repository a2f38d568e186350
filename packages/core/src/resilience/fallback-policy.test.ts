import { afterEach, describe, expect, it, vi } from "vitest";
import type { CacheStore } from "../cache/cache-store.js";
import { MemoryStore } from "../cache/memory-store.js";
import { UpstreamNotFoundError, UpstreamStatusError } from "../errors/index.js";
import { emptyFallback, lastKnownGoodFallback, staticFallback } from "./fallback-policy.js";

const failing = () => Promise.reject(new UpstreamStatusError("pricing", 500));

/** Lets the fire-and-forget write of a fresh answer land. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

let stores: CacheStore[] = [];
function memoryStore(): MemoryStore {
  const store = new MemoryStore();
  stores.push(store);
  return store;
}

afterEach(async () => {
  await Promise.all(stores.map((store) => store.close()));
  stores = [];
});

describe("emptyFallback", () => {
  it("passes a fresh answer through, not degraded", async () => {
    await expect(emptyFallback<number | null>(null).execute(async () => 42, "k")).resolves.toEqual({
      value: 42,
    });
  });

  it("serves its empty value marked `empty` when the call fails", async () => {
    await expect(emptyFallback<number[]>([]).execute(failing, "k")).resolves.toEqual({
      value: [],
      degraded: "empty",
    });
    await expect(
      emptyFallback(null).execute(() => Promise.reject(new UpstreamNotFoundError("pricing")), "k"),
    ).resolves.toEqual({ value: null, degraded: "empty" });
  });
});

describe("staticFallback", () => {
  it("serves its default marked `default` when the call fails", async () => {
    const topTen = [{ productId: "p1", reason: "top-seller" }];
    await expect(staticFallback(topTen).execute(failing, "k")).resolves.toEqual({
      value: topTen,
      degraded: "default",
    });
    await expect(staticFallback(topTen).execute(async () => [], "k")).resolves.toEqual({ value: [] });
  });
});

describe("lastKnownGoodFallback", () => {
  it("remembers a fresh answer and serves it marked `cache` when the call later fails", async () => {
    const store = memoryStore();
    const policy = lastKnownGoodFallback<number | null>({
      store,
      prefix: "lkg:price",
      ttlS: 60,
      orElse: emptyFallback(null),
    });
    await expect(policy.execute(async () => 1999, "p1")).resolves.toEqual({ value: 1999 });
    await flush();
    await expect(store.get("lkg:price:p1")).resolves.toBe(1999);
    await expect(policy.execute(failing, "p1")).resolves.toEqual({ value: 1999, degraded: "cache" });
  });

  it("keeps the values of different keys apart", async () => {
    const store = memoryStore();
    const policy = lastKnownGoodFallback<number | null>({
      store,
      prefix: "lkg:price",
      ttlS: 60,
      orElse: emptyFallback(null),
    });
    await policy.execute(async () => 1, "p1");
    await flush();
    await expect(policy.execute(failing, "p2")).resolves.toEqual({ value: null, degraded: "empty" });
  });

  it("falls to orElse when nothing is remembered", async () => {
    const policy = lastKnownGoodFallback<string[]>({
      store: memoryStore(),
      prefix: "lkg:recs",
      ttlS: 60,
      orElse: staticFallback(["p1"]),
    });
    await expect(policy.execute(failing, "p9")).resolves.toEqual({ value: ["p1"], degraded: "default" });
  });

  it("stops serving a remembered value after its ttl", async () => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    try {
      const store = memoryStore();
      const policy = lastKnownGoodFallback<number | null>({
        store,
        prefix: "lkg",
        ttlS: 10,
        orElse: emptyFallback(null),
      });
      await policy.execute(async () => 7, "p1");
      await vi.advanceTimersByTimeAsync(9_000);
      await expect(policy.execute(failing, "p1")).resolves.toEqual({ value: 7, degraded: "cache" });
      await vi.advanceTimersByTimeAsync(2_000);
      await expect(policy.execute(failing, "p1")).resolves.toEqual({ value: null, degraded: "empty" });
    } finally {
      vi.useRealTimers();
    }
  });

  it("treats a store that rejects or throws as a miss, and never fails a fresh answer because of it", async () => {
    const broken = (how: "reject" | "throw"): CacheStore => {
      const fail = () => {
        if (how === "throw") throw new Error("store down");
        return Promise.reject(new Error("store down"));
      };
      return { get: fail, set: fail, delete: fail, close: async () => {} } as unknown as CacheStore;
    };
    for (const how of ["reject", "throw"] as const) {
      const policy = lastKnownGoodFallback<number | null>({
        store: broken(how),
        prefix: "lkg",
        ttlS: 60,
        orElse: emptyFallback(null),
      });
      await expect(policy.execute(async () => 5, "p1")).resolves.toEqual({ value: 5 });
      await expect(policy.execute(failing, "p1")).resolves.toEqual({ value: null, degraded: "empty" });
    }
  });
});

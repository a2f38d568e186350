import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MemoryStore } from "./memory-store.js";

let store: MemoryStore | undefined;
const open = (options?: ConstructorParameters<typeof MemoryStore>[0]) => {
  store = new MemoryStore(options);
  return store;
};

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
});

afterEach(async () => {
  await store?.close();
  store = undefined;
  expect(vi.getTimerCount()).toBe(0);
  vi.useRealTimers();
});

describe("MemoryStore", () => {
  it("returns what was set, by reference, and undefined for unknown keys", async () => {
    const cache = open();
    const value = { id: "p1" };
    await cache.set("k", value, 60);
    await expect(cache.get("k")).resolves.toBe(value);
    await expect(cache.get("missing")).resolves.toBeUndefined();
  });

  it("expires a value after its ttl", async () => {
    const cache = open();
    await cache.set("k", "v", 10);
    vi.advanceTimersByTime(9_999);
    await expect(cache.get("k")).resolves.toBe("v");
    vi.advanceTimersByTime(2);
    await expect(cache.get("k")).resolves.toBeUndefined();
  });

  it("keeps a value set with ttl 0 until it is deleted", async () => {
    const cache = open();
    await cache.set("k", "v", 0);
    vi.advanceTimersByTime(24 * 3_600_000);
    await expect(cache.get("k")).resolves.toBe("v");
    await cache.delete("k");
    await expect(cache.get("k")).resolves.toBeUndefined();
  });

  it("drops new keys past maxKeys without failing", async () => {
    const cache = open({ maxKeys: 2 });
    await cache.set("a", 1, 60);
    await cache.set("b", 2, 60);
    await expect(cache.set("c", 3, 60)).resolves.toBeUndefined();
    expect(cache.size).toBe(2);
    await expect(cache.get("c")).resolves.toBeUndefined();
  });

  it("still updates a key it holds when full", async () => {
    const cache = open({ maxKeys: 2 });
    await cache.set("a", 1, 60);
    await cache.set("b", 2, 60);
    await cache.set("a", 10, 60);
    await expect(cache.get("a")).resolves.toBe(10);
    expect(cache.size).toBe(2);
  });

  it("makes room for new keys once old ones expired, without waiting for the sweep", async () => {
    const cache = open({ maxKeys: 2, checkPeriodS: 600 });
    await cache.set("a", 1, 1);
    await cache.set("b", 2, 1);
    vi.advanceTimersByTime(2_000);
    await cache.set("c", 3, 60);
    await expect(cache.get("c")).resolves.toBe(3);
  });

  it("frees a slot when a key is deleted", async () => {
    const cache = open({ maxKeys: 1 });
    await cache.set("a", 1, 60);
    await cache.delete("a");
    await cache.set("b", 2, 60);
    await expect(cache.get("b")).resolves.toBe(2);
  });
});

import { closedPort } from "@portico/test-support";
import { afterEach, describe, expect, it } from "vitest";
import type { CacheStore } from "./cache-store.js";
import { DegradingStore } from "./degrading-store.js";
import { MemoryStore } from "./memory-store.js";
import { createRedisConnection } from "./redis-connection.js";
import { RedisStore } from "./redis-store.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A primary that fails while `down` is set, and counts its calls. */
function scriptedPrimary() {
  const memory = new MemoryStore();
  const state = { down: false, calls: 0 };
  const guard = () => {
    state.calls += 1;
    if (state.down) throw new Error("redis down");
  };
  const store: CacheStore = {
    get: async (key) => {
      guard();
      return memory.get(key);
    },
    set: async (key, value, ttl) => {
      guard();
      return memory.set(key, value, ttl);
    },
    delete: async (key) => {
      guard();
      return memory.delete(key);
    },
    close: () => memory.close(),
  };
  cleanups.push(() => memory.close());
  return { store, state };
}

function memory(): MemoryStore {
  const store = new MemoryStore();
  cleanups.push(() => store.close());
  return store;
}

describe("DegradingStore", () => {
  it("reads from the primary, mirrors writes locally, and serves the local copy once the primary fails", async () => {
    const { store: primary, state } = scriptedPrimary();
    let now = 0;
    const errors: unknown[] = [];
    const store = new DegradingStore({
      primary,
      fallback: memory(),
      cooldownMs: 5000,
      now: () => now,
      onError: (e) => errors.push(e),
    });
    await store.set("k", "v", 60);
    await expect(store.get("k")).resolves.toBe("v");
    state.down = true;
    await expect(store.get("k")).resolves.toBe("v");
    expect(store.primaryUp).toBe(false);
    expect(errors).toHaveLength(1);
    // Within the cool-down the primary is not even asked.
    const calls = state.calls;
    await store.set("k2", "v2", 60);
    await expect(store.get("k2")).resolves.toBe("v2");
    expect(state.calls).toBe(calls);
    // After it, the primary is tried again.
    now = 5000;
    state.down = false;
    await expect(store.get("k")).resolves.toBe("v");
    expect(state.calls).toBe(calls + 1);
    expect(store.primaryUp).toBe(true);
  });

  it("skips an unavailable primary without a cool-down, and uses it again the moment it is back", async () => {
    const { store: primary, state } = scriptedPrimary();
    let connected = false;
    const store = new DegradingStore({ primary, fallback: memory(), available: () => connected });
    await store.set("k", "local", 60);
    await expect(store.get("k")).resolves.toBe("local");
    expect(state.calls).toBe(0);
    connected = true;
    await store.set("k", "shared", 60);
    await expect(store.get("k")).resolves.toBe("shared");
    expect(state.calls).toBe(2);
  });

  it("falls back to the local copy on a primary miss (e.g. Redis restarted empty)", async () => {
    const { store: primary } = scriptedPrimary();
    const store = new DegradingStore({ primary, fallback: memory() });
    await store.set("k", "v", 60);
    await primary.delete("k");
    await expect(store.get("k")).resolves.toBe("v");
  });

  it("is off without a fallback while the primary is down: misses, never errors", async () => {
    const { store: primary, state } = scriptedPrimary();
    const store = new DegradingStore({ primary });
    await store.set("k", "v", 60);
    state.down = true;
    await expect(store.get("k")).resolves.toBeUndefined();
    await expect(store.set("k", "w", 60)).resolves.toBeUndefined();
    await expect(store.delete("k")).resolves.toBeUndefined();
  });

  it("answers at once when Redis refuses connections", async () => {
    const redis = createRedisConnection(`redis://127.0.0.1:${await closedPort()}`, { commandTimeoutMs: 250 });
    cleanups.push(() => redis.disconnect());
    const store = new DegradingStore({
      primary: new RedisStore({ client: redis, keyPrefix: "x:" }),
      fallback: memory(),
    });
    const started = performance.now();
    await store.set("k", "v", 60);
    await expect(store.get("k")).resolves.toBe("v");
    expect(performance.now() - started).toBeLessThan(100);
  });
});

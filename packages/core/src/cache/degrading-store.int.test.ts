import { randomUUID } from "node:crypto";
import { hostPort, redisUrl, requireRedis, startTcpProxy } from "@portico/test-support";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { DegradingStore } from "./degrading-store.js";
import { MemoryStore } from "./memory-store.js";
import { createRedisConnection, redisReady } from "./redis-connection.js";
import { RedisStore } from "./redis-store.js";

// Real Redis (REDIS_URL or 127.0.0.1:6379), reached through a TCP proxy the test can hang.
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function memory(): MemoryStore {
  const store = new MemoryStore();
  cleanups.push(() => store.close());
  return store;
}

beforeAll(async () => {
  await requireRedis();
});

describe("DegradingStore over a real Redis", () => {
  it("bounds every request by the command timeout when Redis hangs, then leaves it alone", async () => {
    const proxy = await startTcpProxy(hostPort(redisUrl()));
    cleanups.push(() => proxy.close());
    const redis = createRedisConnection(`redis://127.0.0.1:${proxy.port}`, { commandTimeoutMs: 200 });
    cleanups.push(() => redis.disconnect());
    expect(await redisReady(redis, 3000)).toBe(true);
    const prefix = `portico-test:${randomUUID()}:`;
    cleanups.push(async () => {
      const direct = createRedisConnection(redisUrl());
      await redisReady(direct, 3000);
      await direct.del(`${prefix}k`);
      direct.disconnect();
    });
    const store = new DegradingStore({
      primary: new RedisStore({ client: redis, keyPrefix: prefix }),
      fallback: memory(),
    });
    await store.set("k", "v", 60);
    await proxy.setMode("blackhole");
    let started = performance.now();
    await expect(store.get("k")).resolves.toBe("v");
    const first = performance.now() - started;
    expect(first).toBeGreaterThanOrEqual(150);
    expect(first).toBeLessThan(600);
    started = performance.now();
    for (let i = 0; i < 20; i++) await store.get("k");
    expect(performance.now() - started).toBeLessThan(50);
  });
});

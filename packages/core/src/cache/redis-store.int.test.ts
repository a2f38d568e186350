import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "../test-support/async.js";
import { type RedisPair, redisPair } from "../test-support/redis-pair.js";
import { RedisStore } from "./redis-store.js";

// Real Redis (127.0.0.1:6379 or REDIS_URL); keys under a prefix unique to this run.
const PREFIX = `portico-test:${randomUUID()}:`;
let a: Redis;
let b: Redis;

let redis: RedisPair;

beforeAll(async () => {
  redis = await redisPair(PREFIX);
  ({ a, b } = redis);
});

afterAll(() => redis?.close());

describe("RedisStore against a real Redis", () => {
  it("stores JSON values under its prefix and gives undefined for unknown keys", async () => {
    const store = new RedisStore({ client: a, keyPrefix: `${PREFIX}lkg:` });
    await store.set("price:p1", { amount: 1999, currency: "USD" }, 60);
    await expect(store.get("price:p1")).resolves.toEqual({ amount: 1999, currency: "USD" });
    await expect(store.get("price:p2")).resolves.toBeUndefined();
    expect(await a.get(`${PREFIX}lkg:price:p1`)).toBe('{"amount":1999,"currency":"USD"}');
    expect(await a.ttl(`${PREFIX}lkg:price:p1`)).toBeGreaterThan(55);
  });

  it("shares values between two connections: what one instance wrote, another reads", async () => {
    const writer = new RedisStore({ client: a, keyPrefix: `${PREFIX}shared:` });
    const reader = new RedisStore({ client: b, keyPrefix: `${PREFIX}shared:` });
    await writer.set("k", ["x", 1, null], 60);
    await expect(reader.get("k")).resolves.toEqual(["x", 1, null]);
    await reader.delete("k");
    await expect(writer.get("k")).resolves.toBeUndefined();
  });

  it("expires a value after its ttl and keeps one set with ttl 0", async () => {
    const store = new RedisStore({ client: a, keyPrefix: `${PREFIX}ttl:` });
    await store.set("short", "v", 1);
    await store.set("forever", "v", 0);
    expect(await a.ttl(`${PREFIX}ttl:forever`)).toBe(-1);
    await sleep(1100);
    await expect(store.get("short")).resolves.toBeUndefined();
    await expect(store.get("forever")).resolves.toBe("v");
  });

  it("keeps namespaces apart and treats a value it cannot parse as a miss", async () => {
    const one = new RedisStore({ client: a, keyPrefix: `${PREFIX}one:` });
    const two = new RedisStore({ client: a, keyPrefix: `${PREFIX}two:` });
    await one.set("k", 1, 60);
    await expect(two.get("k")).resolves.toBeUndefined();
    await a.set(`${PREFIX}one:garbage`, "{not json");
    await expect(one.get("garbage")).resolves.toBeUndefined();
  });
});

import { randomUUID } from "node:crypto";
import { closedPort } from "@portico/test-support";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisConnection } from "../cache/redis-connection.js";
import { sleep } from "../test-support/async.js";
import { type RedisPair, redisPair } from "../test-support/redis-pair.js";
import { RedisRateLimiter } from "./redis-rate-limiter.js";

// Real Redis; counters under a prefix unique to this run.
const PREFIX = `portico-test:${randomUUID()}:rl:`;
let a: Redis;
let b: Redis;
let n = 0;
const key = () => `partner:k${n++}`;

let redis: RedisPair;

beforeAll(async () => {
  redis = await redisPair(PREFIX);
  ({ a, b } = redis);
});

afterAll(() => redis?.close());

const limiter = (client: Redis, windowMs?: number) =>
  new RedisRateLimiter({ client, keyPrefix: PREFIX, ...(windowMs === undefined ? {} : { windowMs }) });

describe("RedisRateLimiter against a real Redis (MemoryRateLimiter's semantics, shared)", () => {
  it("allows `limit` requests in a window and counts down what remains", async () => {
    const rl = limiter(a);
    const k = key();
    const decisions = [];
    for (let i = 0; i < 3; i++) decisions.push(await rl.consume(k, 3));
    expect(decisions.map((d) => [d.allowed, d.limit, d.remaining])).toEqual([
      [true, 3, 2],
      [true, 3, 1],
      [true, 3, 0],
    ]);
    expect(decisions[0]?.resetS).toBe(60);
    const refused = await rl.consume(k, 3);
    expect(refused).toMatchObject({ allowed: false, limit: 3, remaining: 0 });
    expect(refused.resetS).toBeGreaterThanOrEqual(59);
    expect(refused.resetS).toBeLessThanOrEqual(60);
  });

  it("opens a fresh window once the old one has passed, and does not count refused requests", async () => {
    const rl = limiter(a, 1000);
    const k = key();
    await rl.consume(k, 2);
    await rl.consume(k, 2);
    for (let i = 0; i < 10; i++) expect((await rl.consume(k, 2)).allowed).toBe(false);
    expect(await a.get(`${PREFIX}${k}`)).toBe("2");
    await sleep(1050);
    expect(await rl.consume(k, 2)).toEqual({ allowed: true, limit: 2, remaining: 1, resetS: 1 });
  });

  it("enforces one quota across instances, atomically, under concurrency", async () => {
    const k = key();
    const [one, two] = [limiter(a), limiter(b)];
    const decisions = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? one : two).consume(k, 30)),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(30);
    const remaining = decisions.filter((d) => d.allowed).map((d) => d.remaining);
    expect(new Set(remaining).size).toBe(30); // each allowed request saw a distinct count
  });

  it("keeps every key's count apart and refuses everything when the limit is 0", async () => {
    const rl = limiter(a);
    const [k1, k2] = [key(), key()];
    await rl.consume(k1, 1);
    expect((await rl.consume(k1, 1)).allowed).toBe(false);
    expect((await rl.consume(k2, 1)).allowed).toBe(true);
    expect(await rl.consume(key(), 0)).toEqual({ allowed: false, limit: 0, remaining: 0, resetS: 60 });
  });

  it("loads its script again after Redis forgot it (restart, SCRIPT FLUSH)", async () => {
    const rl = limiter(a);
    const k = key();
    await rl.consume(k, 5);
    await a.script("FLUSH");
    expect(await rl.consume(k, 5)).toMatchObject({ allowed: true, remaining: 3 });
  });

  it("rejects bad limits and windows, and fails (rejects) fast when Redis is down", async () => {
    await expect(limiter(a).consume(key(), -1)).rejects.toThrow(RangeError);
    await expect(limiter(a).consume(key(), 1.5)).rejects.toThrow(RangeError);
    expect(() => limiter(a, 0)).toThrow(RangeError);
    const down = createRedisConnection(`redis://127.0.0.1:${await closedPort()}`);
    try {
      const started = performance.now();
      await expect(limiter(down).consume(key(), 5)).rejects.toThrow();
      expect(performance.now() - started).toBeLessThan(100);
    } finally {
      down.disconnect();
    }
  });
});

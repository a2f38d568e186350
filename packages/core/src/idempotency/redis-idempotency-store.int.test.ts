import { Writable } from "node:stream";
import {
  closedPort,
  eventually,
  hostPort,
  redisUrl,
  requireRedis,
  startTcpProxy,
  uniqueName,
} from "@portico/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { redisReady } from "../cache/redis-connection.js";
import { loadGatewayConfig } from "../config/gateway-config.js";
import { createFleet, type Fleet } from "../fleet.js";
import { createGateway } from "../gateway.js";
import { GatewayObservability } from "../observability/gateway-observability.js";
import { createLogger } from "../observability/logger.js";
import { sleep } from "../test-support/async.js";
import { type RedisPair, redisPair } from "../test-support/redis-pair.js";
import { DegradingIdempotencyStore } from "./degrading-idempotency-store.js";
import { fingerprintOf } from "./fingerprint.js";
import type { ClaimResult, KeptAnswer } from "./idempotency-store.js";
import { RedisIdempotencyStore } from "./redis-idempotency-store.js";

// Real Redis (REDIS_URL or 127.0.0.1:6379); every key under a prefix unique to this run, deleted after.
const PREFIX = `${uniqueName("idem")}:`;
const TIMEOUT_MS = 200;
let redis: RedisPair;

beforeAll(async () => {
  await requireRedis();
  redis = await redisPair(PREFIX);
});
afterAll(() => redis?.close());

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** One BFF instance's fleet wiring, as `createGateway` builds it, logging into `lines`. */
function bffInstance(url: string) {
  const lines: Array<{ level: string; msg: string }> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const config = loadGatewayConfig(
    { REDIS_URL: url, REDIS_TIMEOUT_MS: String(TIMEOUT_MS), REDIS_KEY_PREFIX: PREFIX },
    { defaultPort: 0 },
  );
  const fleet: Fleet = createFleet(config, createLogger({ level: "info", destination }));
  const store = fleet.idempotency();
  cleanups.push(async () => {
    await store.close();
    fleet.close();
  });
  return { fleet, store, lines };
}

async function readyInstance(url = redisUrl()) {
  const instance = bffInstance(url);
  const client = instance.fleet.redis;
  if (client === undefined || !(await redisReady(client, 3000)))
    throw new Error("Redis did not become ready");
  return instance;
}

const BODY = fingerprintOf({ shippingMethod: "express" });
const CREATED: KeptAnswer = {
  status: 201,
  headers: { location: "/orders/o-42" },
  body: { order: { orderId: "o-42", status: "placed", items: [{ productId: "p1", quantity: 2 }] } },
};

function tokenOf(result: ClaimResult): string {
  if (result.kind !== "claimed") throw new Error(`expected a claim, got ${JSON.stringify(result)}`);
  return result.token;
}

describe("RedisIdempotencyStore against a real Redis", () => {
  it("lets exactly one of two instances claim a key both receive at once", async () => {
    const a = await readyInstance();
    const b = await readyInstance();
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).store.claim("c1", "race-key-1", BODY, 4)),
    );
    expect(claims.filter((claim) => claim.kind === "claimed")).toHaveLength(1);
    expect(claims.filter((claim) => claim.kind === "in-progress")).toHaveLength(19);
    for (const claim of claims) if (claim.kind === "in-progress") expect(claim.retryAfterS).toBe(4);
  });

  it("replays on one instance the answer another kept, and says mismatch for another body", async () => {
    const a = await readyInstance();
    const b = await readyInstance();
    const token = tokenOf(await a.store.claim("c1", "replay-key-1", BODY, 4));
    await expect(b.store.claim("c1", "replay-key-1", fingerprintOf({}), 4)).resolves.toMatchObject({
      kind: "in-progress",
    });
    await expect(a.store.complete("c1", "replay-key-1", token, CREATED, 600)).resolves.toBe(true);
    await expect(b.store.claim("c1", "replay-key-1", BODY, 4)).resolves.toEqual({
      kind: "replay",
      answer: CREATED,
    });
    await expect(b.store.claim("c1", "replay-key-1", fingerprintOf({}), 4)).resolves.toEqual({
      kind: "mismatch",
    });
    // Under REDIS_KEY_PREFIX, kept for IDEMPOTENCY_TTL_S.
    const key = `${PREFIX}idem:c1:replay-key-1`;
    expect(await redis.a.hgetall(key)).toEqual({
      state: "done",
      fingerprint: BODY,
      answer: JSON.stringify(CREATED),
    });
    const ttlS = await redis.a.ttl(key);
    expect(ttlS).toBeGreaterThan(590);
    expect(ttlS).toBeLessThanOrEqual(600);
  });

  it("frees a released key for a retry on any instance, and does not keep a 5xx", async () => {
    const a = await readyInstance();
    const b = await readyInstance();
    const first = tokenOf(await a.store.claim("c1", "retry-key-1", BODY, 4));
    await a.store.release("c1", "retry-key-1", first);
    const second = tokenOf(await b.store.claim("c1", "retry-key-1", BODY, 4));
    const failed: KeptAnswer = { status: 504, headers: {}, body: {} };
    await expect(b.store.complete("c1", "retry-key-1", second, failed, 600)).resolves.toBe(false);
    tokenOf(await a.store.claim("c1", "retry-key-1", BODY, 4));
  });

  it("lets a claim lapse on its own, and the lapsed request's late answer changes nothing", async () => {
    const one = new RedisIdempotencyStore({ client: redis.a, keyPrefix: `${PREFIX}lapse:` });
    const two = new RedisIdempotencyStore({ client: redis.b, keyPrefix: `${PREFIX}lapse:` });
    const stale = tokenOf(await one.claim("c1", "lapse-key-1", BODY, 0.3));
    const pttl = await redis.a.pttl(`${PREFIX}lapse:c1:lapse-key-1`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(300);
    await sleep(350);
    const fresh = tokenOf(await two.claim("c1", "lapse-key-1", BODY, 4));
    await expect(one.complete("c1", "lapse-key-1", stale, CREATED, 600)).resolves.toBe(false);
    await one.release("c1", "lapse-key-1", stale);
    await expect(one.claim("c1", "lapse-key-1", BODY, 4)).resolves.toMatchObject({ kind: "in-progress" });
    await expect(two.complete("c1", "lapse-key-1", fresh, CREATED, 600)).resolves.toBe(true);
  });

  it("keeps scopes apart", async () => {
    const store = new RedisIdempotencyStore({ client: redis.a, keyPrefix: `${PREFIX}scopes:` });
    const token = tokenOf(await store.claim("c1", "scope-key-1", BODY, 4));
    await store.complete("c1", "scope-key-1", token, CREATED, 60);
    tokenOf(await store.claim("c2", "scope-key-1", BODY, 4));
    expect((await redis.a.keys(`${PREFIX}scopes:*`)).sort()).toEqual([
      `${PREFIX}scopes:c1:scope-key-1`,
      `${PREFIX}scopes:c2:scope-key-1`,
    ]);
  });

  it("fails (for the degrading store to catch) on a key that is not one of its hashes", async () => {
    const store = new RedisIdempotencyStore({ client: redis.a, keyPrefix: `${PREFIX}odd:` });
    await redis.a.set(`${PREFIX}odd:c1:odd-key-1`, "x");
    await expect(store.claim("c1", "odd-key-1", BODY, 4)).rejects.toThrow(/WRONGTYPE/);
    await redis.a.hset(`${PREFIX}odd:c1:odd-key-2`, "state", "done", "fingerprint", BODY, "answer", "{oops");
    await expect(store.claim("c1", "odd-key-2", BODY, 4)).rejects.toThrow(/unexpected reply/);
  });
});

describe("the fleet's idempotency store when Redis is away", () => {
  it("answers from memory at once when Redis refuses connections, and logs it once", async () => {
    const { store, lines } = bffInstance(`redis://127.0.0.1:${await closedPort()}`);
    expect(store).toBeInstanceOf(DegradingIdempotencyStore);
    const started = performance.now();
    const token = tokenOf(await store.claim("c1", "refused-key-1", BODY, 4));
    await expect(store.claim("c1", "refused-key-1", BODY, 4)).resolves.toMatchObject({ kind: "in-progress" });
    await store.complete("c1", "refused-key-1", token, CREATED, 60);
    await expect(store.claim("c1", "refused-key-1", BODY, 4)).resolves.toEqual({
      kind: "replay",
      answer: CREATED,
    });
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS);
    expect((store as DegradingIdempotencyStore).primaryUp).toBe(false);
    // ioredis retries every 200 ms and more; the outage is logged once.
    await sleep(700);
    expect(lines.filter((line) => line.level === "warn").map((line) => line.msg)).toEqual([
      "redis unreachable: caches use memory; rate limits, idempotency keys, coalescing and circuits are per instance",
    ]);
  });

  it("answers from memory within REDIS_TIMEOUT_MS when Redis hangs, then skips it, and logs it once", async () => {
    const proxy = await startTcpProxy(hostPort(redisUrl()));
    cleanups.push(() => proxy.close());
    const { store, lines } = await readyInstance(`redis://127.0.0.1:${proxy.port}`);
    const shared = tokenOf(await store.claim("c1", "hang-key-1", BODY, 4));
    expect(shared.startsWith("r:")).toBe(true);
    await proxy.setMode("blackhole");

    let started = performance.now();
    const local = tokenOf(await store.claim("c1", "hang-key-2", BODY, 4));
    const first = performance.now() - started;
    expect(first).toBeGreaterThanOrEqual(TIMEOUT_MS * 0.75);
    expect(first).toBeLessThan(TIMEOUT_MS + 150);
    expect(local.startsWith("m:")).toBe(true);

    started = performance.now();
    for (let i = 0; i < 20; i++) await store.claim("c1", `hang-many-${i}`, BODY, 4);
    await expect(store.complete("c1", "hang-key-2", local, CREATED, 60)).resolves.toBe(true);
    await expect(store.claim("c1", "hang-key-2", BODY, 4)).resolves.toEqual({
      kind: "replay",
      answer: CREATED,
    });
    // The shared claim cannot be kept while Redis is skipped: given up without an error or a wait.
    await expect(store.complete("c1", "hang-key-1", shared, CREATED, 60)).resolves.toBe(false);
    expect(performance.now() - started).toBeLessThan(50);

    await eventually(() => expect(lines.some((line) => line.level === "warn")).toBe(true));
    expect(lines.filter((line) => line.level === "warn").map((line) => line.msg)).toEqual([
      "redis idempotency store failed: keys are per instance",
    ]);
  });
});

describe("the gateway's idempotency store", () => {
  async function gatewayOn(url: string) {
    const config = loadGatewayConfig(
      {
        REDIS_URL: url,
        REDIS_TIMEOUT_MS: String(TIMEOUT_MS),
        REDIS_KEY_PREFIX: PREFIX,
        IDEMPOTENCY_TTL_S: "120",
      },
      { defaultPort: 0 },
    );
    const gateway = createGateway(config, {
      observability: new GatewayObservability({ processMetrics: false }),
    });
    cleanups.push(() => gateway.close());
    return gateway;
  }

  it("is shared through Redis and exports portico_redis_degraded 0 while Redis answers", async () => {
    const gateway = await gatewayOn(redisUrl());
    await gateway.ready();
    expect(gateway.config.idempotencyTtlS).toBe(120);
    const token = tokenOf(await gateway.idempotency.claim("c9", "gateway-key-1", BODY, 4));
    await gateway.idempotency.complete("c9", "gateway-key-1", token, CREATED, gateway.config.idempotencyTtlS);
    expect(await redis.b.hget(`${PREFIX}idem:c9:gateway-key-1`, "state")).toBe("done");
    expect(await gateway.observability.metrics.text()).toContain(
      'portico_redis_degraded{store="idempotency"} 0',
    );
  });

  it("exports portico_redis_degraded 1 while Redis is unreachable", async () => {
    const gateway = await gatewayOn(`redis://127.0.0.1:${await closedPort()}`);
    tokenOf(await gateway.idempotency.claim("c9", "gateway-key-2", BODY, 4));
    expect(await gateway.observability.metrics.text()).toContain(
      'portico_redis_degraded{store="idempotency"} 1',
    );
  });
});

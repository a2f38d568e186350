import {
  closedPort,
  hostPort,
  redisUrl,
  requireRedis,
  startTcpProxy,
  type TcpProxy,
  uniqueName,
} from "@portico/test-support";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  clearFaults,
  type DemoShop,
  injectFault,
  type RunningBff,
  type RunningProcess,
  startBff,
  startDemoShop,
} from "../support/processes.js";
import { PATIENT } from "./support.js";

// Shared state through a real Redis: every test writes under its own
// REDIS_KEY_PREFIX, so parallel runs cannot collide.
let shop: DemoShop;
let redis: Redis;
const started: RunningProcess[] = [];
const proxies: TcpProxy[] = [];
const prefixes: string[] = [];

beforeAll(async () => {
  await requireRedis();
  redis = new Redis(redisUrl(), { lazyConnect: true });
  await redis.connect();
  shop = await startDemoShop();
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((proc) => proc.stop("SIGKILL")));
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  await clearFaults(shop);
});

afterAll(async () => {
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis?.disconnect();
  await shop?.stop();
});

function newPrefix(): string {
  const prefix = `${uniqueName("fleet")}:`;
  prefixes.push(prefix);
  return prefix;
}

async function bff(app: string, env: Record<string, string>): Promise<RunningBff> {
  const proc = await startBff(app, { ...shop.env, ...PATIENT, ...env });
  started.push(proc);
  return proc;
}

interface Details {
  product: { price: { amount: number; currency: string } | null };
  degraded: Record<string, string>;
}

async function details(
  target: RunningBff,
  id: string,
): Promise<{ status: number; body: Details; ms: number }> {
  const startedAt = performance.now();
  const response = await fetch(`${target.url}/productdetails/${id}`, { signal: AbortSignal.timeout(10_000) });
  return {
    status: response.status,
    body: (await response.json()) as Details,
    ms: performance.now() - startedAt,
  };
}

const PARTNER_KEY = "fleet-partner-key-0123456789";
const partnerKeys = (name: string, ratePerMinute: number) =>
  JSON.stringify([{ key: PARTNER_KEY, name, ratePerMinute }]);

async function partnerCall(target: RunningBff): Promise<Response> {
  const response = await fetch(`${target.url}/v1/products/p1`, {
    headers: { "x-api-key": PARTNER_KEY },
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
  return response;
}

describe("shared state through a real Redis", { timeout: 60_000 }, () => {
  it("instance B serves, as last known good, a price only instance A fetched", async () => {
    const prefix = newPrefix();
    // A generous command timeout: the whole suite runs at once on two busy cores.
    const env = { REDIS_URL: redisUrl(), REDIS_KEY_PREFIX: prefix, REDIS_TIMEOUT_MS: "1000" };
    const [a, b] = await Promise.all([bff("mobile-bff", env), bff("mobile-bff", env)]);
    const fresh = await details(a, "p2");
    expect(fresh.status).toBe(200);
    expect(fresh.body.degraded).toEqual({});
    const price = fresh.body.product.price;
    expect(price).not.toBeNull();
    // A remembers it in Redis (best effort, just after answering).
    const key = `${prefix}lkg:price:p2`;
    const deadline = performance.now() + 2000;
    while ((await redis.exists(key)) === 0) {
      if (performance.now() > deadline) throw new Error(`${key} never reached Redis`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    await injectFault(shop, "pricing", { mode: "error", status: 500 });
    const degraded = await details(b, "p2");
    expect(degraded.status).toBe(200);
    expect(degraded.body.product.price).toEqual(price);
    expect(degraded.body.degraded).toEqual({ price: "cache" });
    // A product nobody fetched has no remembered price.
    const unknown = await details(b, "p3");
    expect(unknown.body.product.price).toBeNull();
    expect(unknown.body.degraded).toEqual({ price: "empty" });
  });

  it("two partner-bff instances enforce one quota together", async () => {
    const prefix = newPrefix();
    const env = {
      REDIS_URL: redisUrl(),
      REDIS_KEY_PREFIX: prefix,
      REDIS_TIMEOUT_MS: "1000",
      PARTNER_KEYS: partnerKeys("acme", 10),
    };
    const [a, b] = await Promise.all([bff("partner-bff", env), bff("partner-bff", env)]);
    const remaining: string[] = [];
    for (let i = 0; i < 10; i++) {
      const response = await partnerCall(i % 2 === 0 ? a : b);
      expect(response.status).toBe(200);
      remaining.push(response.headers.get("ratelimit-remaining") ?? "");
    }
    expect(remaining).toEqual(["9", "8", "7", "6", "5", "4", "3", "2", "1", "0"]);
    for (const target of [a, b]) {
      const refused = await partnerCall(target);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(refused.headers.get("ratelimit-limit")).toBe("10");
    }
    expect(await redis.get(`${prefix}ratelimit:partner:acme`)).toBe("10");
  });

  it("keeps requests flowing when Redis refuses connections: caches in memory, quotas per instance", async () => {
    const down = `redis://127.0.0.1:${await closedPort()}`;
    const [mobile, partner] = await Promise.all([
      bff("mobile-bff", { REDIS_URL: down }),
      bff("partner-bff", { REDIS_URL: down, PARTNER_KEYS: partnerKeys("globex", 3) }),
    ]);
    for (let i = 0; i < 10; i++) {
      const answer = await details(mobile, `p${i + 1}`);
      expect(answer.status).toBe(200);
      expect(answer.ms).toBeLessThan(1000);
    }
    // The last-known-good value still works, from this instance's memory.
    await injectFault(shop, "pricing", { mode: "error", status: 500 });
    expect((await details(mobile, "p1")).body.degraded).toEqual({ price: "cache" });
    // Fail open to local counting: the quota still holds, per instance.
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await partnerCall(partner)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it("keeps requests flowing, each bounded by REDIS_TIMEOUT_MS, when Redis hangs mid-run", async () => {
    const proxy = await startTcpProxy(hostPort(redisUrl()));
    proxies.push(proxy);
    const prefix = newPrefix();
    const env = { REDIS_URL: `redis://${proxy.address}`, REDIS_KEY_PREFIX: prefix, REDIS_TIMEOUT_MS: "200" };
    const [mobile, partner] = await Promise.all([
      bff("mobile-bff", env),
      bff("partner-bff", { ...env, PARTNER_KEYS: partnerKeys("initech", 100) }),
    ]);
    expect((await details(mobile, "p5")).status).toBe(200);
    expect((await partnerCall(partner)).status).toBe(200);

    await proxy.setMode("blackhole");
    await injectFault(shop, "pricing", { mode: "error", status: 500 });
    for (let i = 0; i < 5; i++) {
      const answer = await details(mobile, "p5");
      expect(answer.status).toBe(200);
      expect(answer.body.degraded).toEqual({ price: "cache" });
      expect(answer.ms).toBeLessThan(1500);
      const startedAt = performance.now();
      const response = await partnerCall(partner);
      expect(response.status).toBe(200);
      expect(performance.now() - startedAt).toBeLessThan(1500);
    }
  });
});

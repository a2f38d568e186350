import {
  closedPort,
  hostPort,
  redisUrl,
  requireRedis,
  startTcpProxy,
  type TcpProxy,
  uniqueName,
  within,
} from "@portico/test-support";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  clearFaults,
  clearRecordedRequests,
  type DemoShop,
  injectFault,
  type RunningBff,
  type RunningProcess,
  recordedRequests,
  startBff,
  startDemoShop,
  tokenFor,
} from "../support/processes.js";
import { json, type MobileProductDetails } from "../support/shapes.js";
import { PATIENT, sleep } from "./support.js";

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

/**
 * One fleet's Redis settings, under `prefix`. A generous command timeout:
 * the whole suite runs at once on two busy cores, and a command slower than
 * it makes an instance act alone.
 */
function fleetEnv(prefix = newPrefix()): Record<string, string> {
  return { REDIS_URL: redisUrl(), REDIS_KEY_PREFIX: prefix, REDIS_TIMEOUT_MS: "1000" };
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
    const env = fleetEnv(prefix);
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

  it("shows a cart write through instance A in instance B's next page, with the cart's fresh cache on", async () => {
    const env = {
      ...fleetEnv(),
      // Carts cached for a minute, in Redis, for the whole fleet.
      CART_CACHE_TTL_S: "60",
    };
    const [a, b] = await Promise.all([bff("mobile-bff", env), bff("mobile-bff", env)]);
    const token = await tokenFor(shop, "c3");
    const cartCount = async (target: RunningBff) => {
      const response = await fetch(`${target.url}/productdetails/p1`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(10_000),
      });
      expect(response.status).toBe(200);
      return (await json<MobileProductDetails>(response)).cart?.itemCount;
    };
    const cartReads = async () =>
      (await recordedRequests(shop, "cart")).filter((r) => r.method === "GET").length;
    // Until an instance has read the fleet's generations it caches in one of its own: wait until
    // a read through A and one through B make at most one cart call between them.
    await within(
      10_000,
      async () => {
        await clearRecordedRequests(shop);
        await cartCount(a);
        await cartCount(b);
        return (await cartReads()) <= 1;
      },
      "both instances reading the fleet's cached cart",
      100,
    );
    await clearRecordedRequests(shop);
    const before = await cartCount(b);
    expect(await cartCount(a)).toBe(before);
    // The shared cache answered both.
    expect(await cartReads()).toBe(0);

    const put = await fetch(`${a.url}/cart/items/p7`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ quantity: 3 }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(put.status).toBe(200);
    const written = ((await put.json()) as { cart: { itemCount: number } }).cart.itemCount;
    expect(written).not.toBe(before);
    expect(await cartCount(b)).toBe(written);
    expect(await cartCount(a)).toBe(written);
    // One read after the write went to the cart service; the next one was cached again.
    expect(await cartReads()).toBe(1);
  });

  it("two partner-bff instances enforce one quota together", async () => {
    const prefix = newPrefix();
    const env = {
      ...fleetEnv(prefix),
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

/** Two instances of mobile-bff; on one Redis prefix with `fleet`, else each alone. */
async function twoInstances(
  fleet: boolean,
  env: Record<string, string> = {},
): Promise<[RunningBff, RunningBff]> {
  const shared = fleet ? fleetEnv() : {};
  return Promise.all([bff("mobile-bff", { ...shared, ...env }), bff("mobile-bff", { ...shared, ...env })]);
}

/** The catalog calls for one product, as the demo catalog recorded them. */
async function productCalls(id: string): Promise<number> {
  return (await recordedRequests(shop, "catalog")).filter((request) => request.path === `/products/${id}`)
    .length;
}

/** 100 concurrent identical requests, split between the two instances. */
async function burst(instances: readonly RunningBff[], id: string): Promise<number[]> {
  return Promise.all(
    Array.from({ length: 100 }, async (_, i) => {
      const target = instances[i % instances.length] as RunningBff;
      const response = await fetch(`${target.url}/productdetails/${id}`, {
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      return response.status;
    }),
  );
}

describe("identical calls coalesced across the fleet (contract section 5)", { timeout: 60_000 }, () => {
  it("makes one upstream call for 100 concurrent identical requests split between two instances", async () => {
    const fleet = await twoInstances(true);
    // Slow enough that every request arrives while the first call is in flight.
    await injectFault(shop, "catalog", { mode: "delay", ms: 800 });
    await clearRecordedRequests(shop);
    const statuses = await burst(fleet, "p11");
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(await productCalls("p11")).toBe(1);
    const metrics = await (await fetch(`${(fleet[0] as RunningBff).url}/metrics`)).text();
    expect(metrics).toMatch(/portico_redis_degraded\{store="fleet"\} 0/);
  });

  it("without Redis, each instance makes its own call (the same run without the feature)", async () => {
    const alone = await twoInstances(false);
    await injectFault(shop, "catalog", { mode: "delay", ms: 800 });
    await clearRecordedRequests(shop);
    const statuses = await burst(alone, "p12");
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(await productCalls("p12")).toBe(2);
  });
});

describe("one circuit per service across the fleet (contract section 5)", { timeout: 60_000 }, () => {
  const BREAKER = {
    BREAKER_MIN_REQUESTS: "5",
    BREAKER_ERROR_PCT: "50",
    BREAKER_OPEN_MS: "4000",
    BREAKER_WINDOW_MS: "30000",
  };

  /** The circuit of `service` as an instance's `/admin/status` shows it. */
  async function circuitOf(bff: RunningBff, service: string): Promise<string> {
    const status = (await (await fetch(`${bff.url}/admin/status`)).json()) as {
      upstreams: Record<string, { circuit: string }>;
    };
    return status.upstreams[service]?.circuit ?? "unknown";
  }

  it("fails fast on an instance that never called the dead service, within a second of another's circuit opening", async () => {
    const [a, b] = await twoInstances(true, BREAKER);
    await injectFault(shop, "reviews", { mode: "error", status: 500 });
    await clearRecordedRequests(shop);
    // A calls the dead service until its own window opens the circuit.
    for (let i = 0; i < 5; i++) {
      const body = await json<MobileProductDetails>(await fetch(`${a.url}/productdetails/p${1 + i}`));
      expect(body.degraded.reviews).toBe("empty");
    }
    const opened = performance.now();
    expect(await circuitOf(a, "reviews")).toBe("open");
    let seenOpen = Number.POSITIVE_INFINITY;
    while (performance.now() - opened < 3000) {
      if ((await circuitOf(b, "reviews")) === "open") {
        seenOpen = performance.now() - opened;
        break;
      }
      await sleep(25);
    }
    expect(seenOpen).toBeLessThan(1000);
    // B answers with the fallback and never calls reviews itself.
    const response = await fetch(`${b.url}/productdetails/p6`, { headers: { "x-request-id": "fleet-b-1" } });
    const body = await json<MobileProductDetails>(response);
    expect(body.degraded.reviews).toBe("empty");
    const fromB = (await recordedRequests(shop, "reviews")).filter((r) => r.requestId === "fleet-b-1");
    expect(fromB).toEqual([]);
    expect((await recordedRequests(shop, "reviews")).length).toBe(5);
  });

  it("lets one trial call decide half-open for the fleet, and closes every instance's circuit", async () => {
    const [a, b] = await twoInstances(true, { ...BREAKER, BREAKER_OPEN_MS: "1500" });
    await injectFault(shop, "reviews", { mode: "error", status: 500 });
    for (let i = 0; i < 5; i++) await (await fetch(`${a.url}/productdetails/p${1 + i}`)).arrayBuffer();
    expect(await circuitOf(a, "reviews")).toBe("open");
    // Healed, but slow: every request below arrives while the trial is out.
    await injectFault(shop, "reviews", { mode: "delay", ms: 1000 });
    await sleep(1700);
    await clearRecordedRequests(shop);
    // Both half-open: of 20 concurrent requests to the two (20 products), one trial goes to reviews.
    const bodies = await Promise.all(
      Array.from({ length: 20 }, async (_, i) =>
        json<MobileProductDetails>(await fetch(`${(i % 2 === 0 ? a : b).url}/productdetails/p${1 + i}`)),
      ),
    );
    expect((await recordedRequests(shop, "reviews")).length).toBe(1);
    expect(bodies.filter((body) => body.degraded.reviews === undefined).length).toBe(1);
    // The trial's success closes the circuit on both within a second.
    const closedAt = performance.now();
    while (performance.now() - closedAt < 1000) {
      if ((await circuitOf(a, "reviews")) === "closed" && (await circuitOf(b, "reviews")) === "closed") break;
      await sleep(25);
    }
    expect([await circuitOf(a, "reviews"), await circuitOf(b, "reviews")]).toEqual(["closed", "closed"]);
  });
});

import { TOP_TEN_RECOMMENDATIONS } from "@portico/core";
import { seed } from "@portico/demo-services";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { expectProblem } from "../support/problem.js";
import {
  clearFaults,
  type DemoShop,
  injectFault,
  type RunningBff,
  type ServiceName,
  startBff,
  startDemoShop,
  tokenFor,
} from "../support/processes.js";

// Every part of mobile product details against every way a real upstream fails.
const DEADLINE_MS = 1_200;
const TIMEOUT_MS = 300;
// The required part waits longer: on two cores busy with the whole suite, a
// healthy catalog answered past 300 ms once and turned an optional part's
// case into a 504.
const CATALOG_TIMEOUT_MS = 600;

const FAULTS: Record<string, Record<string, unknown>> = {
  "status 500": { mode: "error", status: 500 },
  hang: { mode: "hang" },
  "malformed JSON": { mode: "malformed" },
  "wrong shape": { mode: "wrong-shape" },
  "connection refused": { mode: "refuse" },
  "reset mid-body": { mode: "reset" },
  "slower than its timeout": { mode: "delay", ms: CATALOG_TIMEOUT_MS + 400 },
};

interface OptionalPart {
  service: ServiceName;
  degradedKey: string;
  kind: "empty" | "default";
  /** The part's value in the answer, and what it must be when degraded. */
  read: (body: Record<string, unknown>) => unknown;
  fallback: unknown;
}

const OPTIONAL_PARTS: OptionalPart[] = [
  {
    service: "pricing",
    degradedKey: "price",
    kind: "empty",
    read: (body) => (body.product as Record<string, unknown>).price,
    fallback: null,
  },
  {
    service: "reviews",
    degradedKey: "reviews",
    kind: "empty",
    read: (body) => body.reviews,
    fallback: { average: null, count: 0, top: [] },
  },
  {
    service: "inventory",
    degradedKey: "inventory",
    kind: "empty",
    read: (body) => body.inventory,
    fallback: null,
  },
  {
    service: "shipping",
    degradedKey: "shipping",
    kind: "empty",
    read: (body) => body.shipping,
    fallback: [],
  },
  {
    service: "recommendations",
    degradedKey: "recommendations",
    kind: "default",
    read: (body) => body.recommendations,
    fallback: TOP_TEN_RECOMMENDATIONS,
  },
  { service: "cart", degradedKey: "cart", kind: "empty", read: (body) => body.cart, fallback: null },
  { service: "orders", degradedKey: "orders", kind: "empty", read: (body) => body.orders, fallback: null },
];

let shop: DemoShop;
let bff: RunningBff;
let token: string;
// Each price case uses a product never fetched before, so no last-known-good price exists.
const unpricedProducts = seed.products.map((p) => p.id).slice(8);

beforeAll(async () => {
  shop = await startDemoShop();
  bff = await startBff("mobile-bff", {
    ...shop.env,
    REQUEST_DEADLINE_MS: String(DEADLINE_MS),
    UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
    CATALOG_TIMEOUT_MS: String(CATALOG_TIMEOUT_MS),
    // The matrix is about each failure alone: keep breakers out of it.
    BREAKER_MIN_REQUESTS: "100000",
  });
  token = await tokenFor(shop, "c1");
});

afterAll(async () => {
  await bff?.stop();
  await shop?.stop();
});

afterEach(async () => {
  await clearFaults(shop);
});

async function timedGet(
  path: string,
): Promise<{ response: Response; body: Record<string, unknown>; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${bff.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as Record<string, unknown>;
  return { response, body, ms: performance.now() - started };
}

describe("mobile product details: an optional part fails", () => {
  for (const part of OPTIONAL_PARTS) {
    for (const [label, fault] of Object.entries(FAULTS)) {
      it(`${part.service} with ${label} gives 200 with ${part.degradedKey}=${part.kind}`, async () => {
        const productId = part.service === "pricing" ? (unpricedProducts.shift() as string) : "p2";
        await injectFault(shop, part.service, fault);
        const { response, body, ms } = await timedGet(`/productdetails/${productId}`);
        expect(response.status).toBe(200);
        expect(body.degraded).toEqual({ [part.degradedKey]: part.kind });
        expect(part.read(body)).toEqual(part.fallback);
        expect((body.product as Record<string, unknown>).id).toBe(productId);
        expect(ms).toBeLessThan(DEADLINE_MS + 100);
      });
    }
  }
});

describe("mobile product details: the required catalog fails", () => {
  const expected: Record<string, number> = {
    "status 500": 502,
    hang: 504,
    "malformed JSON": 502,
    "wrong shape": 502,
    "connection refused": 502,
    "reset mid-body": 502,
    "slower than its timeout": 504,
  };
  for (const [label, fault] of Object.entries(FAULTS)) {
    it(`catalog with ${label} gives ${expected[label]} problem+json`, async () => {
      await injectFault(shop, "catalog", fault);
      const started = performance.now();
      const response = await fetch(`${bff.url}/productdetails/p3`);
      await expectProblem(response, expected[label] as number, "/productdetails/p3");
      expect(performance.now() - started).toBeLessThan(DEADLINE_MS + 100);
    });
  }
});

describe("mobile product details: last known good price", () => {
  it("serves the last fetched price with degraded price=cache when pricing fails later", async () => {
    const fresh = await timedGet("/productdetails/p5");
    expect(fresh.body.degraded).toEqual({});
    const price = (fresh.body.product as Record<string, unknown>).price;
    expect(price).not.toBeNull();

    await injectFault(shop, "pricing", { mode: "error", status: 503 });
    const stale = await timedGet("/productdetails/p5");
    expect(stale.response.status).toBe(200);
    expect(stale.body.degraded).toEqual({ price: "cache" });
    expect((stale.body.product as Record<string, unknown>).price).toEqual(price);
  });
});

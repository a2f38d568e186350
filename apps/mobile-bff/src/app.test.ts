import { createGateway, loadGatewayConfig, SERVICE_NAMES, TOP_TEN_RECOMMENDATIONS } from "@portico/core";
import { type FakeUpstream, listenOnLoopback, sendJson, startFakeUpstream } from "@portico/test-support";
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { createApp } from "./app.js";

// The internal services (contract section 3), answered by one fake upstream
// the tests script: every <SERVICE>_URL points at it; paths tell them apart.
const PRODUCT = {
  id: "p1",
  name: "Trail runner",
  description: "A light shoe for rough ground.",
  brand: "Acme",
  category: "shoes",
  images: [
    { url: "https://img.example/p1-front.jpg", width: 800, height: 600 },
    { url: "https://img.example/p1-side.jpg", width: 800, height: 600 },
  ],
};
const PRICE = { productId: "p1", amount: 1999, currency: "USD", listAmount: 2499 };
const REVIEWS = {
  productId: "p1",
  average: 4.4,
  count: 120,
  items: [
    { author: "ana", rating: 5, title: "Great grip", body: "…", date: "2026-01-04" },
    { author: "ben", rating: 4, title: "Runs small", body: "…", date: "2026-01-03" },
    { author: "cy", rating: 5, title: "Light", body: "…", date: "2026-01-02" },
    { author: "dee", rating: 3, title: "Fine", body: "…", date: "2026-01-01" },
  ],
};
const STOCK = { productId: "p1", available: 3 };
const QUOTES = {
  options: [
    { method: "standard", cost: { amount: 499, currency: "USD" }, estimatedDays: 5 },
    { method: "express", cost: { amount: 1299, currency: "USD" }, estimatedDays: 1 },
  ],
};
const RECOMMENDATIONS = {
  items: Array.from({ length: 12 }, (_, i) => ({ productId: `p${i + 2}`, reason: "bought-together" })),
};

type Part = "catalog" | "pricing" | "reviews" | "inventory" | "shipping" | "recommendations";

/** Which service a request is for, by its path (contract section 3). */
const ROUTES: readonly (readonly [Part, RegExp])[] = [
  ["catalog", /^\/products\/[^/]+$/],
  ["pricing", /^\/prices\/[^/]+$/],
  ["reviews", /^\/reviews$/],
  ["inventory", /^\/stock\/[^/]+$/],
  ["shipping", /^\/quotes$/],
  ["recommendations", /^\/recommendations$/],
];

const ANSWERS: Readonly<Record<Part, unknown>> = {
  catalog: PRODUCT,
  pricing: PRICE,
  reviews: REVIEWS,
  inventory: STOCK,
  shipping: QUOTES,
  recommendations: RECOMMENDATIONS,
};

/** The expected answer when every part is fresh (contract 2.2). */
const FRESH = {
  product: {
    id: "p1",
    name: PRODUCT.name,
    description: PRODUCT.description,
    imageUrl: "https://img.example/p1-front.jpg",
    price: { amount: 1999, currency: "USD" },
  },
  reviews: {
    average: 4.4,
    count: 120,
    top: [
      { author: "ana", rating: 5, title: "Great grip" },
      { author: "ben", rating: 4, title: "Runs small" },
      { author: "cy", rating: 5, title: "Light" },
    ],
  },
  inventory: { available: 3, lowStock: true },
  shipping: QUOTES.options,
  recommendations: RECOMMENDATIONS.items.slice(0, 10),
  cart: null,
  orders: null,
  degraded: {},
};

let upstream: FakeUpstream;
/** Per service, the status it answers with instead of its data. */
let failing: Partial<Record<Part, number>> = {};

beforeAll(async () => {
  upstream = await startFakeUpstream((req, res) => {
    const url = new URL(req.url ?? "/", "http://upstream");
    const part = ROUTES.find(([, path]) => path.test(url.pathname))?.[0];
    if (part === undefined) return sendJson(res, 404, { error: "not_found" });
    const status = failing[part];
    if (status !== undefined) return sendJson(res, status, { error: "scripted" });
    if (part === "catalog" && url.pathname !== "/products/p1")
      return sendJson(res, 404, { error: "not_found" });
    sendJson(res, 200, ANSWERS[part]);
  });
});

afterAll(async () => {
  await upstream?.close();
});

beforeEach(() => {
  failing = {};
  upstream.requests.length = 0;
});

/**
 * A fresh gateway (empty last-known-good store, closed breakers) and the
 * app on a free port, both closed when the test ends.
 */
async function serve(): Promise<string> {
  const env = {
    ...Object.fromEntries(SERVICE_NAMES.map((service) => [`${service.toUpperCase()}_URL`, upstream.url])),
    UPSTREAM_TIMEOUT_MS: "1000",
    BREAKER_MIN_REQUESTS: "1000",
    // The suite shares two cores with others: a lagging loop must not shed these requests.
    MAX_EVENT_LOOP_LAG_MS: "0",
  };
  const gateway = createGateway(loadGatewayConfig(env, { defaultPort: 0 }));
  const app = await listenOnLoopback(createApp(gateway));
  onTestFinished(async () => {
    await app.close();
    await gateway.close();
  });
  return app.url;
}

/**
 * The upstream paths (query included) called for one client request, by
 * its X-Request-Id: calls an earlier test abandoned may still arrive.
 */
const callsFor = (requestId: string) =>
  upstream.requests.filter((r) => r.headers["x-request-id"] === requestId).map((r) => r.url);
const withId = (requestId: string) => ({ headers: { "x-request-id": requestId } });

/** Asserts a problem+json answer (contract section 2) and returns its body. */
async function problemOf(response: Response, status: number): Promise<Record<string, unknown>> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
  expect(body.requestId).toBe(response.headers.get("x-request-id"));
  expect(JSON.stringify(body)).not.toContain(upstream.url.replace("http://", ""));
  return body;
}

describe("GET /productdetails/{productId}", () => {
  it("answers every part fresh, shaped for the app, with degraded {}", async () => {
    const url = await serve();
    const response = await fetch(`${url}/productdetails/p1`, withId("fresh-1"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(FRESH);
    // Anonymous: cart and orders are not asked for; each other service once, for p1.
    expect(callsFor("fresh-1").sort()).toEqual([
      "/prices/p1",
      "/products/p1",
      "/quotes?productId=p1",
      "/recommendations?productId=p1&limit=10",
      "/reviews?productId=p1&limit=3",
      "/stock/p1",
    ]);
  });

  it("answers the query form ?productid= with the same body", async () => {
    const url = await serve();
    const byQuery = await fetch(`${url}/productdetails?productid=p1`);
    expect(byQuery.status).toBe(200);
    expect(await byQuery.json()).toEqual(FRESH);
  });

  it("names each upstream called in Server-Timing, and echoes and forwards a good X-Request-Id", async () => {
    const url = await serve();
    const response = await fetch(`${url}/productdetails/p1`, withId("mobile-test.1"));
    expect(response.headers.get("x-request-id")).toBe("mobile-test.1");
    const timing = response.headers.get("server-timing") ?? "";
    for (const service of ["catalog", "pricing", "reviews", "inventory", "shipping", "recommendations"]) {
      expect(timing).toMatch(new RegExp(`(^|, )${service};dur=\\d+(\\.\\d+)?`));
    }
    expect(timing).not.toMatch(/cart|orders/);
    expect(callsFor("mobile-test.1")).toHaveLength(6);
  });

  it("replaces a malformed X-Request-Id with a fresh one", async () => {
    const url = await serve();
    const response = await fetch(`${url}/productdetails/p1`, { headers: { "x-request-id": "bad id!" } });
    const id = response.headers.get("x-request-id") ?? "";
    expect(id).not.toBe("bad id!");
    expect(id).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
    expect(callsFor(id)).toHaveLength(6);
  });

  it.each([
    ["reviews", { reviews: { average: null, count: 0, top: [] } }, { reviews: "empty" }],
    ["inventory", { inventory: null }, { inventory: "empty" }],
    ["shipping", { shipping: [] }, { shipping: "empty" }],
    [
      "recommendations",
      {
        recommendations: TOP_TEN_RECOMMENDATIONS.map(({ productId, reason }) => ({ productId, reason })),
      },
      { recommendations: "default" },
    ],
  ] as const)(
    "serves %s's fallback when it answers 500, and the rest fresh",
    async (part, fallback, degraded) => {
      const url = await serve();
      failing = { [part]: 500 };
      const response = await fetch(`${url}/productdetails/p1`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ...FRESH, ...fallback, degraded });
    },
  );

  it("gives price null (empty) when pricing fails and no price is remembered", async () => {
    const url = await serve();
    failing = { pricing: 500 };
    const body = (await (await fetch(`${url}/productdetails/p1`)).json()) as typeof FRESH;
    expect(body.product).toEqual({ ...FRESH.product, price: null });
    expect(body.degraded).toEqual({ price: "empty" });
  });

  it("gives the last known price (cache) when pricing fails after a fresh answer", async () => {
    const url = await serve();
    expect(((await (await fetch(`${url}/productdetails/p1`)).json()) as typeof FRESH).degraded).toEqual({});
    failing = { pricing: 500 };
    const body = (await (await fetch(`${url}/productdetails/p1`)).json()) as typeof FRESH;
    expect(body.product.price).toEqual({ amount: 1999, currency: "USD" });
    expect(body.degraded).toEqual({ price: "cache" });
  });

  it("marks every optional part at once when they all fail, and still answers 200", async () => {
    const url = await serve();
    failing = { pricing: 500, reviews: 500, inventory: 500, shipping: 500, recommendations: 500 };
    const response = await fetch(`${url}/productdetails/p1`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as typeof FRESH).degraded).toEqual({
      price: "empty",
      reviews: "empty",
      inventory: "empty",
      shipping: "empty",
      recommendations: "default",
    });
  });

  it("answers 404 problem+json when catalog does not know the product", async () => {
    const url = await serve();
    const body = await problemOf(await fetch(`${url}/productdetails/p404`, withId("unknown-1")), 404);
    expect(body.instance).toBe("/productdetails/p404");
    expect(callsFor("unknown-1")).toContain("/products/p404");
  });

  it("answers 502 problem+json when catalog fails with a 500", async () => {
    const url = await serve();
    failing = { catalog: 500 };
    const body = await problemOf(await fetch(`${url}/productdetails/p1`), 502);
    expect(body.instance).toBe("/productdetails/p1");
    expect(JSON.stringify(body)).not.toContain("scripted");
  });

  it.each([
    ["an id with a space", "/productdetails/p%201"],
    ["a traversal", "/productdetails/..%2Fproducts"],
    ["a 65-character id", `/productdetails/${"a".repeat(65)}`],
    ["a bad query id", "/productdetails?productid=p1;drop"],
    ["no id at all", "/productdetails"],
  ])("answers 400 for %s, and calls no upstream", async (_label, path) => {
    const url = await serve();
    await problemOf(await fetch(`${url}${path}`, withId("bad-id-1")), 400);
    expect(callsFor("bad-id-1")).toEqual([]);
  });
});

describe("methods", () => {
  it.each(["/productdetails/p1", "/productdetails", "/reviews"])(
    "answers POST %s with 405 problem+json and Allow: GET, HEAD, calling no upstream",
    async (path) => {
      const url = await serve();
      const response = await fetch(`${url}${path}`, { method: "POST", ...withId("post-1") });
      expect(response.headers.get("allow")).toBe("GET, HEAD");
      const body = await problemOf(response, 405);
      expect(body.instance).toBe(path);
      expect(callsFor("post-1")).toEqual([]);
    },
  );

  it("answers HEAD /productdetails/{productId} with GET's status and headers, and no body", async () => {
    const url = await serve();
    const response = await fetch(`${url}/productdetails/p1`, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.text()).toBe("");
  });
});

describe("GET /reviews pass-through", () => {
  it("relays a 2xx answer with its status and body, and forwards only the validated query", async () => {
    const url = await serve();
    const response = await fetch(`${url}/reviews?productId=p1&limit=2&debug=1`, withId("relay-1"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(REVIEWS);
    expect(callsFor("relay-1")).toEqual(["/reviews?productId=p1&limit=2"]);
    expect(response.headers.get("server-timing")).toMatch(/^reviews;dur=/);
  });

  it("relays a 4xx answer as it is", async () => {
    const url = await serve();
    failing = { reviews: 404 };
    const response = await fetch(`${url}/reviews?productId=p1`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "scripted" });
  });

  it("turns a 5xx answer into a 502 problem+json", async () => {
    const url = await serve();
    failing = { reviews: 500 };
    const body = await problemOf(await fetch(`${url}/reviews?productId=p1`), 502);
    expect(body.instance).toBe("/reviews");
    expect(JSON.stringify(body)).not.toContain("scripted");
  });

  it("answers 400 for a bad productId, and calls no upstream", async () => {
    const url = await serve();
    await problemOf(await fetch(`${url}/reviews?productId=../p1`, withId("bad-query-1")), 400);
    expect(callsFor("bad-query-1")).toEqual([]);
  });
});

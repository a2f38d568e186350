import { TOP_TEN_RECOMMENDATIONS } from "@portico/core";
import { seed } from "@portico/demo-services";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { expectProblem } from "../support/problem.js";
import {
  clearFaults,
  type DemoShop,
  injectFault,
  type RecordedRequest,
  type RunningBff,
  recordedRequests,
  startBff,
  startDemoShop,
} from "../support/processes.js";
import { bearer, demoToken } from "../support/tokens.js";
import {
  expectedProduct,
  expectedRecommendations,
  expectedReviews,
  type ProductPageBody,
  seedPrice,
  seedProduct,
} from "./expected.js";

let shop: DemoShop;
let bff: RunningBff;

beforeAll(async () => {
  shop = await startDemoShop();
  // A high breaker threshold keeps one test's faults from opening circuits for the next.
  bff = await startBff("web-bff", { ...shop.env, BREAKER_MIN_REQUESTS: "1000", PRICING_TIMEOUT_MS: "600" });
});

afterAll(async () => {
  await bff?.stop();
  await shop?.stop();
});

afterEach(async () => {
  await clearFaults(shop);
});

let requestSeq = 0;
/** A request id no other test sends, to pick this request's upstream calls out of the log. */
const uniqueRequestId = (label: string) => `web-${label}-${Date.now()}-${requestSeq++}`;

async function page(id: string, options: { requestId?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.requestId !== undefined) headers["x-request-id"] = options.requestId;
  return fetch(`${bff.url}/api/product-page/${id}`, { headers });
}

async function callsOf(requestId: string, service?: RecordedRequest["service"]) {
  return (await recordedRequests(shop)).filter(
    (r) => r.requestId === requestId && (service === undefined || r.service === service),
  );
}

const idsOf = (call: RecordedRequest | undefined) =>
  new URLSearchParams(call?.query ?? "").get("ids")?.split(",");
const isBatch = (call: RecordedRequest) => new URLSearchParams(call.query).has("ids");

describe("GET /api/product-page/{id} on web-bff", () => {
  it("answers the full contract shape with the shop's values for an anonymous caller", async () => {
    const response = await page("p1");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await response.json()) as ProductPageBody;

    expect(Object.keys(body).sort()).toEqual(
      ["cart", "degraded", "inventory", "orders", "product", "recommendations", "reviews", "shipping"].sort(),
    );
    expect(body.product).toEqual(expectedProduct("p1"));
    expect(body.reviews).toEqual(expectedReviews("p1"));
    expect(body.reviews.items).toHaveLength(10);
    const available = seed.stock.p1 as number;
    expect(body.inventory).toEqual({ available, lowStock: available <= 5 });
    expect(body.shipping).toEqual(
      (seed.shipping.p1 ?? []).map(({ method, cost, estimatedDays }) => ({ method, cost, estimatedDays })),
    );
    expect(body.recommendations).toEqual(expectedRecommendations(seed.recommendations.p1));
    expect(body.recommendations).toHaveLength(10);
    expect(body.cart).toBeNull();
    expect(body.orders).toBeNull();
    expect(body.degraded).toEqual({});
  });

  it("adds the cart with its lines and the first 10 orders with totals for a signed-in customer", async () => {
    const token = await demoToken(shop, { customerId: "c1" });
    const response = await page("p2", { headers: bearer(token) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as ProductPageBody;

    const cart = seed.carts.c1 ?? [];
    expect(body.cart).toEqual({
      itemCount: cart.reduce((sum, item) => sum + item.quantity, 0),
      items: cart.map(({ productId, quantity }) => ({ productId, quantity })),
    });
    expect(body.orders).toEqual(
      (seed.orders.c1 ?? [])
        .slice(0, 10)
        .map(({ orderId, placedAt, status, total }) => ({ orderId, placedAt, status, total })),
    );
    expect(body.product).toEqual(expectedProduct("p2"));
    expect(body.recommendations).toEqual(expectedRecommendations(seed.recommendations.p2));
    expect(body.degraded).toEqual({});
    const timing = response.headers.get("server-timing") ?? "";
    expect(timing).toMatch(/(^|, )cart;dur=/);
    expect(timing).toMatch(/(^|, )orders;dur=/);
  });

  it("enriches the recommendations with exactly one batched catalog call and one batched pricing call", async () => {
    const requestId = uniqueRequestId("batch");
    const response = await page("p3", { requestId });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe(requestId);
    const timing = response.headers.get("server-timing") ?? "";
    for (const service of ["catalog", "pricing", "reviews", "inventory", "shipping", "recommendations"]) {
      expect(timing).toMatch(new RegExp(`(^|, )${service};dur=\\d+(\\.\\d+)?`));
    }
    const recommended = (seed.recommendations.p3 ?? []).slice(0, 10).map((r) => r.productId);

    const recommendations = await callsOf(requestId, "recommendations");
    expect(recommendations).toHaveLength(1);
    expect(new URLSearchParams(recommendations[0]?.query).get("limit")).toBe("10");

    const catalog = await callsOf(requestId, "catalog");
    expect(catalog.filter((c) => !isBatch(c)).map((c) => c.path)).toEqual(["/products/p3"]);
    const catalogBatches = catalog.filter(isBatch);
    expect(catalogBatches).toHaveLength(1);
    expect(catalogBatches[0]?.path).toBe("/products");
    expect(idsOf(catalogBatches[0])).toEqual(recommended);

    const pricing = await callsOf(requestId, "pricing");
    expect(pricing.filter((c) => !isBatch(c)).map((c) => c.path)).toEqual(["/prices/p3"]);
    const pricingBatches = pricing.filter(isBatch);
    expect(pricingBatches).toHaveLength(1);
    expect(pricingBatches[0]?.path).toBe("/prices");
    expect(idsOf(pricingBatches[0])).toEqual(recommended);

    // The batches are made for the ids the recommendations call answered: they come after it.
    const log = await callsOf(requestId);
    const recsAt = log.findIndex((c) => c.service === "recommendations");
    expect(log.findIndex((c) => c.service === "catalog" && isBatch(c))).toBeGreaterThan(recsAt);
    expect(log.findIndex((c) => c.service === "pricing" && isBatch(c))).toBeGreaterThan(recsAt);
  });

  it("degrades only the recommendations (empty) when the catalog batch fails", async () => {
    // The single-product call still parses (it gets p4 itself); the batch answer lacks `items`.
    await injectFault(shop, "catalog", { mode: "wrong-shape", body: seedProduct("p4") });
    const requestId = uniqueRequestId("catalog-batch");
    const response = await page("p4", { requestId });
    expect(response.status).toBe(200);
    const body = (await response.json()) as ProductPageBody;
    expect(body.product).toEqual(expectedProduct("p4"));
    expect(body.recommendations).toEqual([]);
    expect(body.degraded).toEqual({ recommendations: "empty" });
    expect(body.reviews).toEqual(expectedReviews("p4"));
    expect((await callsOf(requestId, "catalog")).filter(isBatch)).toHaveLength(1);
  });

  it("drops a recommended product the catalog batch leaves out, without marking anything degraded", async () => {
    // One body both calls accept: p14 for the single-product call, `items` (p15 only) for the batch;
    // each schema drops the other's fields.
    const p15 = seedProduct("p15");
    await injectFault(shop, "catalog", {
      mode: "wrong-shape",
      body: { ...seedProduct("p14"), items: [p15] },
    });
    const response = await page("p14");
    expect(response.status).toBe(200);
    const body = (await response.json()) as ProductPageBody;
    expect(body.product).toEqual(expectedProduct("p14"));
    const reason = seed.recommendations.p14?.find((r) => r.productId === "p15")?.reason;
    expect(reason).toBeDefined();
    expect(body.recommendations).toEqual(
      expectedRecommendations([{ productId: "p15", reason: reason ?? "" }]),
    );
    expect(body.degraded).toEqual({});
  });

  it("degrades only the recommendations' prices when the pricing batch fails", async () => {
    await injectFault(shop, "pricing", { mode: "wrong-shape", body: seedPrice("p5") });
    const response = await page("p5");
    expect(response.status).toBe(200);
    const body = (await response.json()) as ProductPageBody;
    expect(body.product).toEqual(expectedProduct("p5"));
    expect(body.recommendations).toEqual(expectedRecommendations(seed.recommendations.p5, false));
    expect(body.recommendations.length).toBeGreaterThan(0);
    expect(body.degraded).toEqual({ recommendationPrices: "empty" });
  });

  it("degrades only the product's price when the single-price call fails (a path-filtered fault)", async () => {
    await injectFault(shop, "pricing", { mode: "error", status: 500, paths: ["/prices/"] });
    const response = await page("p6");
    expect(response.status).toBe(200);
    const body = (await response.json()) as ProductPageBody;
    expect(body.product).toEqual(expectedProduct("p6", false));
    expect(body.recommendations).toEqual(expectedRecommendations(seed.recommendations.p6));
    expect(body.degraded).toEqual({ price: "empty" });
  });

  it("degrades price and recommendationPrices to empty when the whole pricing service fails", async () => {
    await injectFault(shop, "pricing", { mode: "error", status: 500 });
    const response = await page("p9");
    expect(response.status).toBe(200);
    const body = (await response.json()) as ProductPageBody;
    expect(body.product.price).toBeNull();
    expect(body.recommendations).toEqual(expectedRecommendations(seed.recommendations.p9, false));
    expect(body.degraded).toEqual({ price: "empty", recommendationPrices: "empty" });
  });

  it("serves the product's last known price (cache, with listAmount) once one was seen", async () => {
    expect((await page("p1")).status).toBe(200);
    await injectFault(shop, "pricing", { mode: "error", status: 500 });
    const body = (await (await page("p1")).json()) as ProductPageBody;
    expect(body.product.price).toEqual(expectedProduct("p1").price);
    expect(body.degraded).toEqual({ price: "cache", recommendationPrices: "empty" });
  });

  it("enriches the static top-ten (default) when the recommendations service fails", async () => {
    await injectFault(shop, "recommendations", { mode: "error", status: 500 });
    const requestId = uniqueRequestId("top-ten");
    const response = await page("p8", { requestId });
    expect(response.status).toBe(200);
    const body = (await response.json()) as ProductPageBody;
    expect(body.recommendations).toEqual(expectedRecommendations(TOP_TEN_RECOMMENDATIONS));
    expect(body.degraded).toEqual({ recommendations: "default" });
    const batches = (await callsOf(requestId, "catalog")).filter(isBatch);
    expect(batches).toHaveLength(1);
    expect(idsOf(batches[0])).toEqual(TOP_TEN_RECOMMENDATIONS.map((r) => r.productId));
  });

  it("marks recommendations empty when both the recommendations service and the catalog batch fail", async () => {
    await injectFault(shop, "recommendations", { mode: "error", status: 500 });
    await injectFault(shop, "catalog", { mode: "wrong-shape", body: seedProduct("p10") });
    const body = (await (await page("p10")).json()) as ProductPageBody;
    expect(body.product.id).toBe("p10");
    expect(body.recommendations).toEqual([]);
    expect(body.degraded).toEqual({ recommendations: "empty" });
  });

  it("falls back for reviews, inventory, shipping, cart and orders as in the mobile table", async () => {
    for (const service of ["reviews", "inventory", "shipping", "cart", "orders"] as const) {
      await injectFault(shop, service, { mode: "error", status: 500 });
    }
    const token = await demoToken(shop, { customerId: "c1" });
    const response = await page("p11", { headers: bearer(token) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as ProductPageBody;
    expect(body.reviews).toEqual({ average: null, count: 0, items: [] });
    expect(body.inventory).toBeNull();
    expect(body.shipping).toEqual([]);
    expect(body.cart).toBeNull();
    expect(body.orders).toBeNull();
    expect(body.product).toEqual(expectedProduct("p11"));
    expect(body.recommendations).toEqual(expectedRecommendations(seed.recommendations.p11));
    expect(body.degraded).toEqual({
      reviews: "empty",
      inventory: "empty",
      shipping: "empty",
      cart: "empty",
      orders: "empty",
    });
  });

  it("does not wait for a hung pricing service past its timeout", async () => {
    await injectFault(shop, "pricing", { mode: "hang" });
    const started = performance.now();
    const response = await page("p12");
    const elapsed = performance.now() - started;
    expect(response.status).toBe(200);
    const body = (await response.json()) as ProductPageBody;
    expect(body.degraded).toEqual({ price: "empty", recommendationPrices: "empty" });
    // PRICING_TIMEOUT_MS is 600; the request deadline (2000) is the hard bound.
    expect(elapsed).toBeLessThan(1_900);
  });

  it("answers 404 problem+json for a product the catalog does not know", async () => {
    await expectProblem(await page("p999"), 404, "/api/product-page/p999");
  });

  it("answers 502 problem+json when the required product call fails", async () => {
    await injectFault(shop, "catalog", { mode: "error", status: 500, paths: ["/products/"] });
    await expectProblem(await page("p13"), 502, "/api/product-page/p13");
  });

  it("answers 401 for a present but invalid token, never a silent anonymous page", async () => {
    await expectProblem(await page("p1", { headers: bearer("not.a.token") }), 401);
    await expectProblem(await page("p1", { headers: { authorization: "Basic YTpi" } }), 401);
  });

  it.each([
    ["a space", "p%201"],
    ["a dot-dot segment", "..%2Fadmin"],
    ["a semicolon", "p1;drop"],
    ["65 characters", "a".repeat(65)],
    ["an encoded slash", "p1%2Fp2"],
  ])("answers 400 for an id with %s and never calls a service", async (_label, id) => {
    const requestId = uniqueRequestId("bad-id");
    const response = await page(id, { requestId });
    await expectProblem(response, 400);
    expect(await callsOf(requestId)).toEqual([]);
  });

  it("answers 405 with Allow for another method, 404 for an unknown path, and /healthz", async () => {
    const post = await fetch(`${bff.url}/api/product-page/p1`, { method: "POST" });
    expect(post.headers.get("allow")).toContain("GET");
    await expectProblem(post, 405);
    await expectProblem(await fetch(`${bff.url}/api/nope`), 404, "/api/nope");
    const health = await fetch(`${bff.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get("x-content-type-options")).toBe("nosniff");
  });
});

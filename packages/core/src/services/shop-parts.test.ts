import { type FakeShop, startFakeShop } from "@portico/test-support";
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { composition } from "../compose/plan.js";
import { loadGatewayConfig } from "../config/gateway-config.js";
import { SERVICE_NAMES } from "../config/services.js";
import { createRequestContext } from "../context.js";
import { createGateway, type Gateway } from "../gateway.js";
import { type CustomerInput, EMPTY_REVIEWS, type ProductInput, shopParts } from "./shop-parts.js";
import { TOP_TEN_RECOMMENDATIONS } from "./top-ten.js";

let shop: FakeShop;

beforeAll(async () => {
  shop = await startFakeShop();
});

afterAll(async () => {
  await shop?.close();
});

beforeEach(() => {
  shop.reset();
  shop.upstream.requests.length = 0;
});

/** A gateway over the fake shop with an empty last-known-good store, closed when the test ends. */
function gateway(): Gateway {
  const env = {
    ...Object.fromEntries(
      SERVICE_NAMES.map((service) => [`${service.toUpperCase()}_URL`, shop.upstream.url]),
    ),
    UPSTREAM_TIMEOUT_MS: "1000",
    BREAKER_MIN_REQUESTS: "1000",
  };
  const created = createGateway(loadGatewayConfig(env, { defaultPort: 0 }));
  onTestFinished(() => created.close());
  return created;
}

/** Every shop part under its own name, as mobile-bff declares them. */
function everyPart(from: Gateway, options?: Parameters<typeof shopParts>[1]) {
  const parts = shopParts(from, options);
  return composition<ProductInput & CustomerInput>()
    .part("product", parts.product)
    .part("price", parts.price)
    .part("reviews", parts.reviews)
    .part("inventory", parts.inventory)
    .part("shipping", parts.shipping)
    .part("recommendations", parts.recommendations)
    .part("cart", parts.cart)
    .part("orders", parts.orders);
}

const ctx = () => createRequestContext({ deadlineMs: 2_000 });
const calls = (path: string) => shop.upstream.requests.filter((r) => r.url.startsWith(path)).length;

describe("shopParts", () => {
  it("fetches every part fresh, asking each list service for the limits given", async () => {
    const plan = everyPart(gateway(), { reviewsLimit: 3, recommendationsLimit: 4, ordersLimit: 2 });
    const { values, degraded } = await plan.run(ctx(), { productId: "p1", customerId: "c1" });
    expect(degraded).toEqual({});
    expect(values.product.id).toBe("p1");
    expect(values.price).toMatchObject({ productId: "p1", currency: "USD" });
    expect(values.reviews.items).toHaveLength(3);
    expect(values.inventory).toEqual({ productId: "p1", available: 3 });
    expect(values.shipping.map(({ method }) => method)).toEqual(["standard", "express"]);
    // The fake answers 12 whatever it is asked: the part keeps the limit.
    expect(values.recommendations).toHaveLength(4);
    expect(values.cart).toMatchObject({ customerId: "c1", itemCount: 0 });
    expect(values.orders).toEqual([]);
    const urls = shop.upstream.requests.map((r) => r.url);
    expect(urls).toEqual(
      expect.arrayContaining([
        "/reviews?productId=p1&limit=3",
        "/recommendations?productId=p1&limit=4",
        "/orders?customerId=c1&limit=2",
      ]),
    );
  });

  it("asks for 10 of each list by default", async () => {
    await everyPart(gateway()).run(ctx(), { productId: "p1", customerId: "c1" });
    const urls = shop.upstream.requests.map((r) => r.url);
    expect(urls).toEqual(
      expect.arrayContaining([
        "/reviews?productId=p1&limit=10",
        "/recommendations?productId=p1&limit=10",
        "/orders?customerId=c1&limit=10",
      ]),
    );
  });

  it("serves each optional part's fallback, named in degraded, when its service fails", async () => {
    const plan = everyPart(gateway());
    for (const service of [
      "pricing",
      "reviews",
      "inventory",
      "shipping",
      "recommendations",
      "cart",
      "orders",
    ] as const)
      shop.failing.add(service);
    const { values, degraded } = await plan.run(ctx(), { productId: "p1", customerId: "c1" });
    expect(degraded).toEqual({
      price: "empty",
      reviews: "empty",
      inventory: "empty",
      shipping: "empty",
      recommendations: "default",
      cart: "empty",
      orders: "empty",
    });
    expect(values).toMatchObject({
      price: null,
      reviews: EMPTY_REVIEWS,
      inventory: null,
      shipping: [],
      recommendations: TOP_TEN_RECOMMENDATIONS,
      cart: null,
      orders: null,
    });
  });

  it("serves the last known price (cache) to any composition of the same gateway", async () => {
    const from = gateway();
    const fresh = await everyPart(from).run(ctx(), { productId: "p1", customerId: undefined });
    shop.failing.add("pricing");
    // Another route's composition, with only the price and another name for inventory.
    const parts = shopParts(from);
    const other = composition<ProductInput>()
      .part("price", parts.price)
      .part("stock", { ...parts.inventory, degradedAs: "availability" });
    const { values, degraded } = await other.run(ctx(), { productId: "p1" });
    expect(values.price).toEqual(fresh.values.price);
    expect(degraded).toEqual({ price: "cache" });
  });

  it("treats a 404 of pricing as an answer: a null price, not degraded", async () => {
    const { values, degraded } = await everyPart(gateway()).run(ctx(), {
      productId: "p2",
      customerId: undefined,
    });
    expect(values.price).toBeNull();
    expect(degraded).toEqual({});
  });

  it("neither calls nor marks cart and orders for an anonymous caller", async () => {
    shop.failing.add("cart");
    shop.failing.add("orders");
    const { values, degraded } = await everyPart(gateway()).run(ctx(), {
      productId: "p1",
      customerId: undefined,
    });
    expect([values.cart, values.orders]).toEqual([null, null]);
    expect(degraded).toEqual({});
    expect(calls("/carts/") + calls("/orders")).toBe(0);
  });

  it("fails the composition when the catalog, the one required part, fails", async () => {
    shop.failing.add("catalog");
    await expect(
      everyPart(gateway()).run(ctx(), { productId: "p1", customerId: undefined }),
    ).rejects.toMatchObject({
      code: "UPSTREAM_STATUS",
      service: "catalog",
    });
  });
});

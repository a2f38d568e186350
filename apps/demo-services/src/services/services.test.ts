import { SERVICE_NAMES } from "@portico/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { seed } from "../seed/seed.js";
import { type DemoServices, startDemoServices } from "../start-demo-services.js";
import {
  cartSchema,
  customerSchema,
  errorSchema,
  healthSchema,
  ordersSchema,
  priceBatchSchema,
  priceSchema,
  productBatchSchema,
  productSchema,
  quotesSchema,
  recommendationsSchema,
  reviewsSchema,
  stockBatchSchema,
  stockSchema,
} from "../test-support/contract-schemas.js";
import { fetchJson } from "../test-support/http.js";

let demo: DemoServices;

beforeAll(async () => {
  demo = await startDemoServices();
});

afterAll(async () => {
  await demo.close();
});

/** GET on a service; asserts the status and parses the body with the contract schema. */
async function get<S extends z.ZodType>(url: string, schema: S, status = 200): Promise<z.output<S>> {
  const res = await fetchJson(url);
  expect(res.status, url).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return schema.parse(res.body);
}

async function expectNotFound(url: string) {
  expect(await get(url, errorSchema, 404)).toEqual({ error: "not_found" });
}

async function expectBadRequest(url: string) {
  await get(url, errorSchema, 400);
}

describe("every service", () => {
  it.each(SERVICE_NAMES)("%s answers GET /health with its name", async (name) => {
    expect(await get(`${demo.url(name)}/health`, healthSchema)).toEqual({ status: "ok", service: name });
  });

  it.each(SERVICE_NAMES)("%s answers an unknown path with a JSON 404", async (name) => {
    await expectNotFound(`${demo.url(name)}/nope`);
  });

  it("sends no X-Powered-By header", async () => {
    const res = await fetch(`${demo.url("catalog")}/health`);
    expect(res.headers.get("x-powered-by")).toBeNull();
  });
});

describe("catalog", () => {
  it("answers a product in the contract shape", async () => {
    const product = await get(`${demo.url("catalog")}/products/p1`, productSchema);
    expect(product).toEqual(seed.products[0]);
    expect(product.name).toBe("Aurora Wireless Headphones");
  });

  it("answers 404 for an unknown product and 400 for an invalid id", async () => {
    await expectNotFound(`${demo.url("catalog")}/products/p999`);
    await expectBadRequest(`${demo.url("catalog")}/products/${"x".repeat(65)}`);
  });

  it("answers a batch in request order, leaving out unknown ids and duplicates", async () => {
    const batch = await get(`${demo.url("catalog")}/products?ids=p3,nope,p1,p3`, productBatchSchema);
    expect(batch.items.map((p) => p.id)).toEqual(["p3", "p1"]);
  });

  it("answers an empty batch when no id is known", async () => {
    expect(await get(`${demo.url("catalog")}/products?ids=x1,x2`, productBatchSchema)).toEqual({ items: [] });
  });

  it("rejects a batch without ids, with a bad id or with too many ids", async () => {
    await expectBadRequest(`${demo.url("catalog")}/products`);
    await expectBadRequest(`${demo.url("catalog")}/products?ids=`);
    await expectBadRequest(`${demo.url("catalog")}/products?ids=p1,bad%20id`);
    const many = Array.from({ length: 101 }, (_, i) => `q${i}`).join(",");
    await expectBadRequest(`${demo.url("catalog")}/products?ids=${many}`);
  });
});

describe("pricing", () => {
  it("answers a price in minor units", async () => {
    const price = await get(`${demo.url("pricing")}/prices/p1`, priceSchema);
    expect(price).toEqual({ productId: "p1", amount: 1999, currency: "USD", listAmount: 2499 });
  });

  it("answers 404 for an unknown product", async () => {
    await expectNotFound(`${demo.url("pricing")}/prices/p0`);
  });

  it("answers a batch, leaving out unknown ids", async () => {
    const batch = await get(`${demo.url("pricing")}/prices?ids=p2,p404,p24`, priceBatchSchema);
    expect(batch.items.map((p) => p.productId)).toEqual(["p2", "p24"]);
  });

  it("rejects a batch without ids", async () => {
    await expectBadRequest(`${demo.url("pricing")}/prices`);
  });
});

describe("reviews", () => {
  const url = (query: string) => `${demo.url("reviews")}/reviews?${query}`;

  it("summarises every review but lists ten by default, newest first", async () => {
    const reviews = await get(url("productId=p1"), reviewsSchema);
    expect(reviews.productId).toBe("p1");
    expect(reviews.count).toBe(120);
    expect(reviews.average).toBe(4.4);
    expect(reviews.items).toEqual(seed.reviews.p1!.slice(0, 10));
    const dates = reviews.items.map((r) => r.date);
    expect(dates).toEqual([...dates].sort().reverse());
  });

  it("caps items at limit, and limit at 50", async () => {
    expect((await get(url("productId=p1&limit=3"), reviewsSchema)).items).toHaveLength(3);
    expect((await get(url("productId=p1&limit=500"), reviewsSchema)).items).toHaveLength(50);
    const none = await get(url("productId=p1&limit=0"), reviewsSchema);
    expect(none).toMatchObject({ count: 120, average: 4.4, items: [] });
  });

  it("answers a product without reviews with a null average", async () => {
    expect(await get(url("productId=p24"), reviewsSchema)).toEqual({
      productId: "p24",
      average: null,
      count: 0,
      items: [],
    });
  });

  it("answers 404 for an unknown product and 400 for bad input", async () => {
    await expectNotFound(url("productId=p99"));
    await expectBadRequest(url(""));
    await expectBadRequest(url("productId=a/b"));
    await expectBadRequest(url("productId=p1&limit=-1"));
    await expectBadRequest(url("productId=p1&limit=ten"));
    await expectBadRequest(url("productId=p1&productId=p2"));
  });
});

describe("inventory", () => {
  it("answers the units available", async () => {
    expect(await get(`${demo.url("inventory")}/stock/p1`, stockSchema)).toEqual({
      productId: "p1",
      available: 3,
    });
    expect(await get(`${demo.url("inventory")}/stock/p3`, stockSchema)).toEqual({
      productId: "p3",
      available: 0,
    });
  });

  it("answers 404 for an unknown product", async () => {
    await expectNotFound(`${demo.url("inventory")}/stock/p25`);
  });

  it("answers a batch, leaving out unknown ids", async () => {
    const batch = await get(`${demo.url("inventory")}/stock?ids=p1,zz,p2`, stockBatchSchema);
    expect(batch).toEqual({
      items: [
        { productId: "p1", available: 3 },
        { productId: "p2", available: 42 },
      ],
    });
  });
});

describe("shipping", () => {
  it("answers the options for a product", async () => {
    const quotes = await get(`${demo.url("shipping")}/quotes?productId=p1`, quotesSchema);
    expect(quotes.options[0]).toEqual({
      method: "standard",
      cost: { amount: 499, currency: "USD" },
      estimatedDays: 5,
    });
    expect(quotes.options.map((o) => o.method)).toEqual(["standard", "express"]);
  });

  it("offers freight for furniture", async () => {
    const quotes = await get(`${demo.url("shipping")}/quotes?productId=p11`, quotesSchema);
    expect(quotes.options.map((o) => o.method)).toContain("freight");
  });

  it("answers 404 for an unknown product and 400 without one", async () => {
    await expectNotFound(`${demo.url("shipping")}/quotes?productId=nope`);
    await expectBadRequest(`${demo.url("shipping")}/quotes`);
  });
});

describe("recommendations", () => {
  const url = (query: string) => `${demo.url("recommendations")}/recommendations?${query}`;

  it("answers ten by default, never the product itself", async () => {
    const recs = await get(url("productId=p1"), recommendationsSchema);
    expect(recs.items).toHaveLength(10);
    expect(recs.items[0]).toEqual({ productId: "p7", reason: "bought-together" });
    expect(recs.items.map((r) => r.productId)).not.toContain("p1");
  });

  it("honours limit", async () => {
    expect((await get(url("productId=p1&limit=2"), recommendationsSchema)).items).toHaveLength(2);
    expect((await get(url("productId=p1&limit=50"), recommendationsSchema)).items).toHaveLength(12);
  });

  it("answers 404 for an unknown product and 400 for bad input", async () => {
    await expectNotFound(url("productId=p0"));
    await expectBadRequest(url("limit=3"));
    await expectBadRequest(url("productId=p1&limit=1.5"));
  });
});

describe("cart", () => {
  it("counts items as the sum of quantities", async () => {
    const c1 = await get(`${demo.url("cart")}/carts/c1`, cartSchema);
    expect(c1).toEqual({ customerId: "c1", items: seed.carts.c1, itemCount: 2 });
    const c2 = await get(`${demo.url("cart")}/carts/c2`, cartSchema);
    expect(c2.items).toHaveLength(3);
    expect(c2.itemCount).toBe(6);
  });

  it("answers an empty cart", async () => {
    expect(await get(`${demo.url("cart")}/carts/c3`, cartSchema)).toEqual({
      customerId: "c3",
      items: [],
      itemCount: 0,
    });
  });

  it("answers 404 for an unknown customer", async () => {
    await expectNotFound(`${demo.url("cart")}/carts/c9`);
  });
});

describe("orders", () => {
  const url = (query: string) => `${demo.url("orders")}/orders?${query}`;

  it("answers orders newest first", async () => {
    const orders = await get(url("customerId=c1"), ordersSchema);
    expect(orders.items.map((o) => o.orderId)).toEqual(["o7", "o6", "o5", "o4", "o3", "o2", "o1"]);
    const placed = orders.items.map((o) => o.placedAt);
    expect(placed).toEqual([...placed].sort().reverse());
  });

  it("honours limit", async () => {
    const orders = await get(url("customerId=c1&limit=3"), ordersSchema);
    expect(orders.items.map((o) => o.orderId)).toEqual(["o7", "o6", "o5"]);
  });

  it("answers no orders for a customer who has none", async () => {
    expect(await get(url("customerId=c3"), ordersSchema)).toEqual({ items: [] });
  });

  it("answers 404 for an unknown customer and 400 without one", async () => {
    await expectNotFound(url("customerId=c0"));
    await expectBadRequest(url("limit=2"));
  });
});

describe("customers", () => {
  it("answers a customer with a wishlist", async () => {
    const c1 = await get(`${demo.url("customers")}/customers/c1`, customerSchema);
    expect(c1).toEqual({
      id: "c1",
      name: "Ada Lovelace",
      email: "ada@example.com",
      wishlist: ["p2", "p5", "p9", "p14"],
    });
  });

  it("answers 404 for an unknown customer", async () => {
    await expectNotFound(`${demo.url("customers")}/customers/c4`);
  });
});

import { describe, expect, it } from "vitest";
import { averageRating } from "./reviews.js";
import { seed } from "./seed.js";

const ids = seed.products.map((p) => p.id);

describe("seed", () => {
  it("has products p1..p24 with one to three images each", () => {
    expect(ids).toEqual(Array.from({ length: 24 }, (_, i) => `p${i + 1}`));
    for (const product of seed.products) {
      expect(product.images.length).toBeGreaterThanOrEqual(1);
      expect(product.images.length).toBeLessThanOrEqual(3);
      product.images.forEach((image, i) => {
        expect(image.url).toBe(`https://img.portico.example/products/${product.id}/${i + 1}.jpg`);
      });
    }
  });

  it("prices every product in USD minor units, never above the list price", () => {
    expect(seed.prices.map((p) => p.productId)).toEqual(ids);
    for (const price of seed.prices) {
      expect(Number.isInteger(price.amount)).toBe(true);
      expect(price.currency).toBe("USD");
      expect(price.listAmount).toBeGreaterThanOrEqual(price.amount);
    }
  });

  it("gives p1 120 reviews averaging 4.4, and only later products none", () => {
    expect(seed.reviews.p1).toHaveLength(120);
    expect(averageRating(seed.reviews.p1!)).toBe(4.4);
    for (const id of ["p1", "p2", "p3"]) expect(seed.reviews[id]!.length).toBeGreaterThan(0);
    expect(seed.reviews.p24).toHaveLength(0);
    expect(averageRating([])).toBeNull();
  });

  it("lists reviews newest first", () => {
    for (const id of ids) {
      const dates = seed.reviews[id]!.map((r) => r.date);
      expect(dates).toEqual([...dates].sort().reverse());
      expect(new Set(dates).size).toBe(dates.length);
    }
  });

  it("has sold-out and low-stock products, p1 among the low ones", () => {
    expect(seed.stock.p1).toBe(3);
    expect(Object.values(seed.stock).filter((n) => n === 0).length).toBeGreaterThan(0);
    expect(Object.values(seed.stock).filter((n) => n > 0 && n <= 5).length).toBeGreaterThan(1);
  });

  it("offers shipping for every product, with freight and pickup for some", () => {
    const methods = new Set(Object.values(seed.shipping).flatMap((options) => options.map((o) => o.method)));
    expect(methods).toEqual(new Set(["standard", "express", "freight", "pickup"]));
    for (const id of ids) expect(seed.shipping[id]!.length).toBeGreaterThan(0);
  });

  it("recommends at least ten products for p1..p10, never the product itself", () => {
    for (const id of ids) {
      const recs = seed.recommendations[id]!;
      if (ids.indexOf(id) < 10) expect(recs.length).toBeGreaterThanOrEqual(10);
      expect(recs.map((r) => r.productId)).not.toContain(id);
      expect(new Set(recs.map((r) => r.productId)).size).toBe(recs.length);
      for (const r of recs) expect(ids).toContain(r.productId);
    }
    expect(seed.recommendations.p1![0]).toEqual({ productId: "p7", reason: "bought-together" });
  });

  it("has three customers with wishlists, carts and orders", () => {
    expect(seed.customers.map((c) => c.id)).toEqual(["c1", "c2", "c3"]);
    for (const c of seed.customers) {
      expect(c.wishlist.length).toBeGreaterThanOrEqual(3);
      expect(c.wishlist.length).toBeLessThanOrEqual(6);
    }
    expect(seed.carts.c1!.length).toBeGreaterThanOrEqual(2);
    expect(seed.carts.c3).toEqual([]);
    expect(seed.orders.c1!.length).toBeGreaterThanOrEqual(5);
    const placed = seed.orders.c1!.map((o) => o.placedAt);
    expect(placed).toEqual([...placed].sort().reverse());
  });

  it("lists the lines of every seed order, of known products", () => {
    const orderIds = Object.values(seed.orders).flatMap((orders) => orders.map((o) => o.orderId));
    expect(Object.keys(seed.orderItems).sort()).toEqual([...orderIds].sort());
    for (const items of Object.values(seed.orderItems)) {
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) expect(ids).toContain(item.productId);
    }
  });

  it("is deeply frozen", () => {
    expect(Object.isFrozen(seed.products[0]!.images[0])).toBe(true);
    expect(Object.isFrozen(seed.stock)).toBe(true);
  });
});

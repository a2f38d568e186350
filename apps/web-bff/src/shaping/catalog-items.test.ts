import type { Price, Product } from "@portico/core";
import { describe, expect, it } from "vitest";
import { batchIds, withCatalogDetails } from "./catalog-items.js";

const product = (id: string, images = [{ url: `https://img.example/${id}.jpg`, width: 800, height: 600 }]) =>
  ({ id, name: `Product ${id}`, description: "", brand: "b", category: "c", images }) satisfies Product;
const price = (productId: string, amount: number) =>
  ({ productId, amount, currency: "USD", listAmount: amount + 100 }) satisfies Price;

describe("batchIds", () => {
  it("lists each product id once, in order", () => {
    expect(batchIds([{ productId: "p2" }, { productId: "p1" }, { productId: "p2" }])).toEqual(["p2", "p1"]);
  });
});

describe("withCatalogDetails", () => {
  it("keeps the entries' order and fields and adds name, first image and price", () => {
    const entries = [
      { productId: "p2", reason: "similar" },
      { productId: "p1", reason: "trending" },
    ];
    expect(
      withCatalogDetails(entries, [product("p1"), product("p2")], [price("p1", 999), price("p2", 1999)]),
    ).toEqual([
      {
        productId: "p2",
        reason: "similar",
        name: "Product p2",
        imageUrl: "https://img.example/p2.jpg",
        price: { amount: 1999, currency: "USD" },
      },
      {
        productId: "p1",
        reason: "trending",
        name: "Product p1",
        imageUrl: "https://img.example/p1.jpg",
        price: { amount: 999, currency: "USD" },
      },
    ]);
  });

  it("drops an entry the catalog batch left out", () => {
    const items = withCatalogDetails([{ productId: "p1" }, { productId: "gone" }], [product("p1")], []);
    expect(items.map((item) => item.productId)).toEqual(["p1"]);
  });

  it("gives a null price when the pricing batch has none, and a null image when the product has none", () => {
    expect(withCatalogDetails([{ productId: "p1" }], [product("p1", [])], [price("p9", 5)])).toEqual([
      { productId: "p1", name: "Product p1", imageUrl: null, price: null },
    ]);
  });

  it("answers an empty list when the catalog batch failed (no products)", () => {
    expect(withCatalogDetails([{ productId: "p1" }], [], [price("p1", 5)])).toEqual([]);
  });
});

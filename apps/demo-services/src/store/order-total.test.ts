import { describe, expect, it } from "vitest";
import type { CartItem, ShippingMethod } from "../model.js";
import { seed } from "../seed/seed.js";
import { orderTotal } from "./order-total.js";

function total(items: CartItem[], shippingMethod: ShippingMethod = "standard"): number {
  return orderTotal({
    items,
    shippingMethod,
    priceOf: (id) => seed.prices.find((p) => p.productId === id),
    shippingOf: (id) => seed.shipping[id],
  }).amount;
}

const one = (productId: string, quantity = 1): CartItem => ({ productId, quantity });

describe("orderTotal", () => {
  it("is the price times the quantity plus the method's cost", () => {
    expect(total([one("p1", 2)])).toBe(2 * 1999 + 499);
    expect(total([one("p1")], "express")).toBe(1999 + 1299);
  });

  it("charges shipping once per order: the highest cost among its products", () => {
    // p8 (11900) ships standard for free, p7 (1499) does not.
    expect(total([one("p8"), one("p7")])).toBe(11900 + 1499 + 499);
    expect(total([one("p8")])).toBe(11900);
    // p17 adds freight (4999); p1 has none, so it adds nothing to the charge.
    expect(total([one("p1"), one("p17")], "freight")).toBe(1999 + 19900 + 4999);
  });

  it("adds nothing for a method no product of the order offers", () => {
    expect(total([one("p11")], "standard")).toBe(39900);
    expect(total([one("p1")], "pickup")).toBe(1999);
  });

  it("answers in the prices' currency", () => {
    expect(
      orderTotal({
        items: [one("p1")],
        shippingMethod: "standard",
        priceOf: (productId) => ({ productId, amount: 5, listAmount: 5, currency: "EUR" }),
        shippingOf: () => undefined,
      }),
    ).toEqual({ amount: 5, currency: "EUR" });
  });

  it("refuses to price a product without a price", () => {
    expect(() =>
      orderTotal({
        items: [one("p1")],
        shippingMethod: "standard",
        priceOf: () => undefined,
        shippingOf: () => [],
      }),
    ).toThrow(/p1/);
  });
});

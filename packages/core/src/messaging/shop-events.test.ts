import { describe, expect, it } from "vitest";
import { parseShopEvent } from "./shop-events.js";

describe("parseShopEvent", () => {
  it("accepts the contract's two events, dropping unknown fields", () => {
    expect(parseShopEvent("inventory.changed", '{"productId":"p1","available":3,"x":1}')).toEqual({
      key: "inventory.changed",
      event: { productId: "p1", available: 3 },
    });
    expect(
      parseShopEvent("price.changed", Buffer.from('{"productId":"p1","amount":1999,"currency":"USD"}')),
    ).toEqual({
      key: "price.changed",
      event: { productId: "p1", amount: 1999, currency: "USD" },
    });
  });

  it("refuses anything else", () => {
    for (const [key, body] of [
      ["inventory.changed", "{"],
      ["inventory.changed", '{"productId":"p1","available":-1}'],
      ["inventory.changed", '{"productId":"p1","available":1.5}'],
      ["inventory.changed", '{"productId":"p/1","available":1}'],
      ["price.changed", '{"productId":"p1","amount":"1"}'],
      ["price.changed", '{"productId":"p1","amount":1}'],
      ["stock.changed", '{"productId":"p1","available":1}'],
      ["inventory.changed", "null"],
    ] as const) {
      expect(parseShopEvent(key, body)).toBeUndefined();
    }
  });
});

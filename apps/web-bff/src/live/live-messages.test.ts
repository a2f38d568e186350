import { describe, expect, it } from "vitest";
import { liveRoute, statusMessage } from "./live-messages.js";

const route = liveRoute(5);
const body = (value: unknown) => Buffer.from(JSON.stringify(value));

describe("liveRoute", () => {
  it("shapes inventory.changed for web clients, with lowStock as on the product page", () => {
    expect(route("inventory.changed", body({ productId: "p1", available: 5 }))).toEqual({
      topic: "p1",
      message: { type: "inventory", productId: "p1", available: 5, lowStock: true },
    });
    expect(route("inventory.changed", body({ productId: "p1", available: 6 }))?.message).toMatchObject({
      lowStock: false,
    });
  });

  it("shapes price.changed", () => {
    expect(route("price.changed", body({ productId: "p2", amount: 1999, currency: "USD" }))).toEqual({
      topic: "p2",
      message: { type: "price", productId: "p2", amount: 1999, currency: "USD" },
    });
  });

  it("drops what is not a valid shop event", () => {
    expect(route("inventory.changed", Buffer.from("nope"))).toBeUndefined();
    expect(route("stock.changed", body({ productId: "p1", available: 1 }))).toBeUndefined();
    expect(route("price.changed", body({ productId: "p 1", amount: 1, currency: "USD" }))).toBeUndefined();
  });
});

describe("statusMessage", () => {
  it("says whether events flow", () => {
    expect(statusMessage(true)).toEqual({ type: "status", live: true });
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { seed } from "../seed/seed.js";
import { type DemoServices, startDemoServices } from "../start-demo-services.js";
import { cartSchema } from "../test-support/contract-schemas.js";
import { fetchJson, sendJson } from "../test-support/http.js";

let demo: DemoServices;

beforeAll(async () => {
  demo = await startDemoServices({ services: ["cart"] });
});

afterEach(() => {
  demo.store.reset();
  demo.clearRequests();
});

afterAll(async () => {
  await demo.close();
});

const line = (customerId: string, productId: string) =>
  `${demo.url("cart")}/carts/${customerId}/items/${productId}`;
const put = (customerId: string, productId: string, body: unknown) =>
  sendJson(line(customerId, productId), "PUT", body);
const del = (customerId: string, productId: string) =>
  fetchJson(line(customerId, productId), { method: "DELETE" });
const cartOf = async (customerId: string) =>
  cartSchema.parse((await fetchJson(`${demo.url("cart")}/carts/${customerId}`)).body);

describe("cart writes", () => {
  it("PUT adds a new line last and answers the cart as GET does", async () => {
    const res = await put("c1", "p2", { quantity: 3 });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const expected = {
      customerId: "c1",
      items: [...seed.carts.c1!, { productId: "p2", quantity: 3 }],
      itemCount: 5,
    };
    expect(cartSchema.parse(res.body)).toEqual(expected);
    expect(await cartOf("c1")).toEqual(expected);
  });

  it("PUT sets the quantity of an existing line, in place", async () => {
    const res = await put("c1", "p1", { quantity: 4 });
    expect(res.body).toEqual({
      customerId: "c1",
      items: [
        { productId: "p1", quantity: 4 },
        { productId: "p7", quantity: 1 },
      ],
      itemCount: 5,
    });
  });

  it("PUT with quantity 0 removes the line", async () => {
    const res = await put("c1", "p1", { quantity: 0 });
    expect(res.body).toEqual({ customerId: "c1", items: [{ productId: "p7", quantity: 1 }], itemCount: 1 });
  });

  it("PUT accepts the bounds 0 and 99, and a sold-out product", async () => {
    expect((await put("c3", "p3", { quantity: 99 })).body).toEqual({
      customerId: "c3",
      items: [{ productId: "p3", quantity: 99 }],
      itemCount: 99,
    });
    expect((await put("c3", "p4", { quantity: 0 })).status).toBe(200);
  });

  it("DELETE removes the line and answers the cart; a line not there is no error", async () => {
    const res = await del("c2", "p10");
    expect(res.status).toBe(200);
    expect(cartSchema.parse(res.body)).toEqual({
      customerId: "c2",
      items: [
        { productId: "p3", quantity: 2 },
        { productId: "p15", quantity: 3 },
      ],
      itemCount: 5,
    });
    const again = await del("c2", "p10");
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
  });

  it("answers 404 unknown_product for a product not in the catalog, and changes nothing", async () => {
    for (const res of [await put("c1", "p99", { quantity: 1 }), await del("c1", "p25")]) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: "unknown_product" });
    }
    // Not an own key of the seed: must not be found on Object.prototype either.
    expect((await put("c1", "constructor", { quantity: 1 })).body).toEqual({ error: "unknown_product" });
    expect(await cartOf("c1")).toEqual({ customerId: "c1", items: seed.carts.c1, itemCount: 2 });
  });

  it("answers 404 not_found for an unknown customer", async () => {
    expect(await put("c9", "p1", { quantity: 1 })).toMatchObject({
      status: 404,
      body: { error: "not_found" },
    });
    expect(await del("__proto__", "p1")).toMatchObject({ status: 404, body: { error: "not_found" } });
  });

  it.each([
    [{ quantity: 100 }, "quantity"],
    [{ quantity: -1 }, "quantity"],
    [{ quantity: 1.5 }, "quantity"],
    [{ quantity: "2" }, "quantity"],
    [{ quantity: null }, "quantity"],
    [{}, "quantity"],
    [{ quantity: 1, note: "gift" }, "note"],
  ])("answers 400 naming the field for the body %j", async (body, field) => {
    const res = await put("c1", "p1", body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: "bad_request", field, detail: expect.stringContaining(field) });
    expect(await cartOf("c1")).toEqual({ customerId: "c1", items: seed.carts.c1, itemCount: 2 });
  });

  it("answers 400 for a body that is not a JSON object", async () => {
    for (const init of [
      { body: "{", headers: { "content-type": "application/json" } },
      { body: "[1]", headers: { "content-type": "application/json" } },
      { body: "quantity=1", headers: { "content-type": "application/x-www-form-urlencoded" } },
      {},
    ]) {
      const res = await fetchJson(line("c1", "p1"), { method: "PUT", ...init });
      expect(res.status, JSON.stringify(init)).toBe(400);
      expect(res.body).toMatchObject({ error: "bad_request" });
    }
  });

  it("validates both path ids like the read endpoints", async () => {
    expect((await put("c1", "p%201", { quantity: 1 })).status).toBe(400);
    expect((await put("x".repeat(65), "p1", { quantity: 1 })).status).toBe(400);
    expect((await del("c1", "p1.json")).status).toBe(400);
  });

  it("records writes in the request log", async () => {
    await put("c1", "p2", { quantity: 1 });
    await del("c1", "p2");
    expect(demo.requests("cart").map((r) => `${r.method} ${r.path}`)).toEqual([
      "PUT /carts/c1/items/p2",
      "DELETE /carts/c1/items/p2",
    ]);
  });

  it("is back to the seed after a reset", async () => {
    await put("c3", "p1", { quantity: 1 });
    const reset = await fetch(`${demo.controlUrl}/_admin/reset`, { method: "POST" });
    expect(reset.status).toBe(204);
    expect((await cartOf("c3")).items).toEqual([]);
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { seed } from "../seed/seed.js";
import { type DemoServices, startDemoServices } from "../start-demo-services.js";
import type { InventoryChanged, OrderPlaced } from "../store/demo-events.js";
import {
  errorSchema,
  orderDetailsSchema,
  ordersSchema,
  placedOrderSchema,
  stockSchema,
} from "../test-support/contract-schemas.js";
import { fetchJson, sendJson } from "../test-support/http.js";

let demo: DemoServices;

beforeAll(async () => {
  demo = await startDemoServices({ services: ["inventory", "orders"] });
});

afterEach(() => {
  demo.store.reset();
  demo.clearRequests();
  demo.events.removeAllListeners();
});

afterAll(async () => {
  await demo.close();
});

interface OrderBody {
  customerId?: unknown;
  items?: unknown;
  shippingMethod?: unknown;
  [field: string]: unknown;
}

const p2Twice: OrderBody = {
  customerId: "c3",
  items: [{ productId: "p2", quantity: 2 }],
  shippingMethod: "standard",
};

function place(body: OrderBody, key: string | null = "key-00000001") {
  return sendJson(
    `${demo.url("orders")}/orders`,
    "POST",
    body,
    key === null ? {} : { "idempotency-key": key },
  );
}

async function available(productId: string): Promise<number> {
  const res = await fetchJson(`${demo.url("inventory")}/stock/${productId}`);
  return stockSchema.parse(res.body).available;
}

const listed = async (customerId: string) =>
  ordersSchema.parse((await fetchJson(`${demo.url("orders")}/orders?customerId=${customerId}`)).body).items;

describe("POST /orders", () => {
  it("places an order: 201, priced from the seed plus shipping, stock taken, stored", async () => {
    const res = await place(p2Twice);
    expect(res.status).toBe(201);
    const order = placedOrderSchema.parse(res.body);
    // p2 is 4999; standard shipping for it is 499.
    expect(order).toEqual({
      orderId: expect.any(String),
      placedAt: expect.any(String),
      status: "placed",
      total: { amount: 2 * 4999 + 499, currency: "USD" },
      items: [{ productId: "p2", quantity: 2 }],
    });
    expect(Math.abs(Date.parse(order.placedAt) - Date.now())).toBeLessThan(5_000);
    expect(await available("p2")).toBe(40);

    const stored = await fetchJson(`${demo.url("orders")}/orders/${order.orderId}`);
    expect(stored.status).toBe(200);
    expect(orderDetailsSchema.parse(stored.body)).toEqual({ ...order, customerId: "c3" });
    expect(await listed("c3")).toEqual([
      { orderId: order.orderId, placedAt: order.placedAt, status: "placed", total: order.total },
    ]);
    expect(demo.store.orderCount()).toEqual({ placed: 1, stored: 10 });
  });

  it("adds the shipping method's cost once, the highest among the products", async () => {
    const res = await place({
      customerId: "c1",
      items: [
        { productId: "p1", quantity: 1 },
        { productId: "p2", quantity: 1 },
      ],
      shippingMethod: "express",
    });
    expect(placedOrderSchema.parse(res.body).total).toEqual({ amount: 1999 + 4999 + 1299, currency: "USD" });
  });

  it("defaults the shipping method to standard, and charges nothing for a method a product lacks", async () => {
    const standard = await place(
      { customerId: "c1", items: [{ productId: "p1", quantity: 1 }] },
      "key-std-0001",
    );
    expect(placedOrderSchema.parse(standard.body).total.amount).toBe(1999 + 499);
    // p11 is furniture: freight or pickup only.
    const furniture = await place(
      { customerId: "c1", items: [{ productId: "p11", quantity: 1 }], shippingMethod: "standard" },
      "key-std-0002",
    );
    expect(placedOrderSchema.parse(furniture.body).total.amount).toBe(39900);
  });

  it("prices with today's price, admin changes included", async () => {
    demo.store.setPriceAmount("p2", 1000);
    expect(placedOrderSchema.parse((await place(p2Twice)).body).total.amount).toBe(2 * 1000 + 499);
  });

  it("answers the same order with 200 for the same key, and stores nothing new", async () => {
    const first = await place(p2Twice, "retry-me-please");
    const again = await place(p2Twice, "retry-me-please");
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await available("p2")).toBe(40);
    expect(await listed("c3")).toHaveLength(1);
    expect(demo.store.orderCount().placed).toBe(1);
  });

  it("answers the stored order for the same key even when the body changed or stock ran out", async () => {
    const first = await place(p2Twice, "retry-me-please");
    demo.store.setStock("p2", 0);
    const again = await place({ ...p2Twice, items: [{ productId: "p2", quantity: 5 }] }, "retry-me-please");
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
  });

  it("scopes keys to the customer: another customer's same key is another order", async () => {
    const mine = await place(p2Twice, "shared-key-1");
    const theirs = await place({ ...p2Twice, customerId: "c2" }, "shared-key-1");
    expect(theirs.status).toBe(201);
    expect(placedOrderSchema.parse(theirs.body).orderId).not.toBe(placedOrderSchema.parse(mine.body).orderId);
  });

  it("places two orders for two keys, listed newest first before the seed's", async () => {
    const first = placedOrderSchema.parse(
      (await place({ ...p2Twice, customerId: "c1" }, "key-first-1")).body,
    );
    const second = placedOrderSchema.parse(
      (await place({ ...p2Twice, customerId: "c1" }, "key-second-2")).body,
    );
    expect(second.orderId).not.toBe(first.orderId);
    expect(await available("p2")).toBe(38);
    const ids = (await listed("c1")).map((o) => o.orderId);
    expect(ids.slice(0, 4)).toEqual([second.orderId, first.orderId, "o7", "o6"]);
    expect(demo.store.orderCount()).toEqual({ placed: 2, stored: 11 });
  });

  it("makes one order of two concurrent requests with the same key", async () => {
    const answers = await Promise.all([place(p2Twice, "concurrent-1"), place(p2Twice, "concurrent-1")]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 201]);
    expect(answers[0]!.body).toEqual(answers[1]!.body);
    expect(demo.store.orderCount().placed).toBe(1);
    expect(await available("p2")).toBe(40);
  });

  it("answers 409 out_of_stock when fewer are available, and stores and takes nothing", async () => {
    // p1 has 3 in stock; p2 is fine but must not be taken either.
    const res = await place({
      customerId: "c1",
      items: [
        { productId: "p2", quantity: 1 },
        { productId: "p1", quantity: 4 },
      ],
    });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: "out_of_stock", productId: "p1" });
    expect(await available("p1")).toBe(3);
    expect(await available("p2")).toBe(42);
    expect((await listed("c1")).map((o) => o.orderId)[0]).toBe("o7");
    expect(demo.store.orderCount().placed).toBe(0);
    // Sold out; and the key was not claimed: once there is stock, it places the order.
    expect(
      (await place({ customerId: "c1", items: [{ productId: "p3", quantity: 1 }] }, "k-sold-out")).body,
    ).toEqual({ error: "out_of_stock", productId: "p3" });
    demo.store.setStock("p3", 1);
    expect(
      (await place({ customerId: "c1", items: [{ productId: "p3", quantity: 1 }] }, "k-sold-out")).status,
    ).toBe(201);
  });

  it("takes the last units, then refuses the next", async () => {
    const all = { customerId: "c1", items: [{ productId: "p1", quantity: 3 }] };
    expect((await place(all, "last-units-1")).status).toBe(201);
    expect(await available("p1")).toBe(0);
    expect((await place(all, "last-units-2")).status).toBe(409);
  });

  it("emits inventory.changed per line and then order.placed, once stored; nothing on a replay", async () => {
    const seen: Array<[string, InventoryChanged | OrderPlaced]> = [];
    demo.events.on("inventory.changed", (e) => seen.push(["inventory.changed", e]));
    demo.events.on("order.placed", (e) => {
      // Stored before it is announced: a consumer may look it up at once.
      expect(demo.store.getOrder(e.orderId)).toBeDefined();
      seen.push(["order.placed", e]);
    });
    const order = placedOrderSchema.parse((await place(p2Twice)).body);
    await place(p2Twice);
    expect(seen).toEqual([
      ["inventory.changed", { productId: "p2", available: 40 }],
      ["order.placed", { orderId: order.orderId, customerId: "c3", placedAt: order.placedAt }],
    ]);
  });

  it("answers 404 for an unknown customer or product, storing nothing", async () => {
    expect((await place({ ...p2Twice, customerId: "c9" })).body).toEqual({ error: "unknown_customer" });
    const product = await place({ ...p2Twice, items: [{ productId: "p99", quantity: 1 }] });
    expect(product.status).toBe(404);
    expect(product.body).toEqual({ error: "unknown_product", productId: "p99" });
    expect((await place({ ...p2Twice, customerId: "toString" })).status).toBe(404);
    expect(demo.store.orderCount().placed).toBe(0);
  });

  it.each([null, "", "short", "has space in it", "x".repeat(129), "ünïcödé-key"])(
    "answers 400 for the Idempotency-Key %j",
    async (key) => {
      const res = await place(p2Twice, key);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        error: "bad_request",
        detail: expect.stringContaining("Idempotency-Key"),
      });
      expect(demo.store.orderCount().placed).toBe(0);
    },
  );

  it.each([
    [{ items: p2Twice.items, shippingMethod: "standard" }, "customerId"],
    [{ ...p2Twice, customerId: "c 1" }, "customerId"],
    [{ ...p2Twice, items: [] }, "items"],
    [{ ...p2Twice, items: "p2" }, "items"],
    [{ ...p2Twice, items: [{ productId: "p2" }] }, "items[0].quantity"],
    [{ ...p2Twice, items: [{ productId: "p2", quantity: 0 }] }, "items[0].quantity"],
    [{ ...p2Twice, items: [{ productId: "p2", quantity: 100 }] }, "items[0].quantity"],
    [{ ...p2Twice, items: [{ productId: "p2", quantity: 1, price: 1 }] }, "items[0].price"],
    [{ ...p2Twice, items: [{ productId: "../p2", quantity: 1 }] }, "items[0].productId"],
    [
      {
        ...p2Twice,
        items: [
          { productId: "p2", quantity: 1 },
          { productId: "p2", quantity: 1 },
        ],
      },
      "items[1].productId",
    ],
    [{ ...p2Twice, shippingMethod: "drone" }, "shippingMethod"],
    [{ ...p2Twice, total: 1 }, "total"],
  ])("answers 400 naming the field for %j", async (body, field) => {
    const res = await place(body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: "bad_request", field, detail: expect.stringContaining(field) });
    expect(demo.store.orderCount().placed).toBe(0);
  });

  it("answers 400 for a body that is not a JSON object", async () => {
    for (const body of ["{", "[]", '"order"']) {
      const res = await fetchJson(`${demo.url("orders")}/orders`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": "key-00000001" },
        body,
      });
      expect(res.status, body).toBe(400);
      errorSchema.parse(res.body);
    }
  });

  it("records the write with its Idempotency-Key", async () => {
    await place(p2Twice, "recorded-key-1");
    expect(demo.requests("orders")).toEqual([
      expect.objectContaining({
        method: "POST",
        path: "/orders",
        query: "",
        idempotencyKey: "recorded-key-1",
      }),
    ]);
  });

  it("counts placed orders on the control server, and a reset forgets them and their keys", async () => {
    await place(p2Twice, "count-key-01");
    await place(p2Twice, "count-key-01");
    await place(p2Twice, "count-key-02");
    const count = await fetchJson(`${demo.controlUrl}/_admin/orders/count`);
    expect(count).toMatchObject({ status: 200, body: { placed: 2, stored: 11 } });
    expect((await fetch(`${demo.controlUrl}/_admin/reset`, { method: "POST" })).status).toBe(204);
    expect((await fetchJson(`${demo.controlUrl}/_admin/orders/count`)).body).toEqual({
      placed: 0,
      stored: 9,
    });
    expect(await listed("c3")).toEqual([]);
    expect(await available("p2")).toBe(42);
    expect((await place(p2Twice, "count-key-01")).status).toBe(201);
  });
});

describe("GET /orders/{orderId}", () => {
  it("answers a seed order with its customer and lines", async () => {
    const res = await fetchJson(`${demo.url("orders")}/orders/o7`);
    expect(res.status).toBe(200);
    expect(orderDetailsSchema.parse(res.body)).toEqual({
      ...seed.orders.c1![0],
      customerId: "c1",
      items: seed.orderItems.o7,
    });
  });

  it("answers 404 for an unknown order and 400 for an invalid id", async () => {
    const unknown = await fetchJson(`${demo.url("orders")}/orders/o999`);
    expect(unknown).toMatchObject({ status: 404, body: { error: "not_found" } });
    expect((await fetchJson(`${demo.url("orders")}/orders/${"o".repeat(65)}`)).status).toBe(400);
  });
});

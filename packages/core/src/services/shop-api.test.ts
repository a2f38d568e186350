import { afterEach, describe, expect, it } from "vitest";
import { SingleFlight } from "../cache/single-flight.js";
import { ServiceClient } from "../client/service-client.js";
import {
  queryString,
  type Transport,
  type TransportRequest,
  type TransportResponse,
  type WriteRequest,
} from "../client/transport.js";
import { SERVICE_NAMES, type ServiceName } from "../config/services.js";
import { createRequestContext } from "../context.js";
import { roundRobin } from "../discovery/load-balancer.js";
import { StaticRegistry } from "../discovery/static-registry.js";
import {
  InvalidInputError,
  UpstreamBadResponseError,
  UpstreamNotFoundError,
  UpstreamWriteRejectedError,
} from "../errors/index.js";
import { createUpstreamPolicy } from "../resilience/upstream-policy.js";
import { ShopApi } from "./shop-api.js";
import { TOP_TEN_RECOMMENDATIONS } from "./top-ten.js";

/** A transport that answers from a table by service and path, and notes every request. */
class TableTransport implements Transport {
  readonly seen: TransportRequest[] = [];
  constructor(readonly answer: (request: TransportRequest | WriteRequest) => TransportResponse) {}
  async get(request: TransportRequest): Promise<TransportResponse> {
    this.seen.push(request);
    return this.answer(request);
  }
  async send(request: WriteRequest): Promise<TransportResponse> {
    this.seen.push(request);
    return this.answer(request);
  }
  async close(): Promise<void> {}
}

const product = (id: string) => ({
  id,
  name: `Product ${id}`,
  description: "d",
  brand: "b",
  category: "c",
  images: [{ url: `https://img/${id}.jpg`, width: 10, height: 10 }],
});

let disposers: Array<() => void> = [];
afterEach(() => {
  for (const dispose of disposers) dispose();
  disposers = [];
});

function shopWith(transport: Transport): ShopApi {
  const registry = new StaticRegistry(Object.fromEntries(SERVICE_NAMES.map((s) => [s, [`http://${s}:1`]])));
  const clients = {} as Record<ServiceName, ServiceClient>;
  for (const service of SERVICE_NAMES) {
    const { policy, writePolicy, breaker, bulkhead } = createUpstreamPolicy({
      service,
      timeoutMs: 500,
      breaker: { windowMs: 10_000, minRequests: 10, errorPct: 50, openMs: 5_000 },
      maxConcurrent: 8,
      idempotent: true,
    });
    disposers.push(() => breaker.dispose());
    clients[service] = new ServiceClient({
      service,
      balancer: roundRobin(registry, service),
      transport,
      policy,
      writePolicy,
      breaker,
      bulkhead,
      singleFlight: new SingleFlight(),
    });
  }
  return new ShopApi(clients);
}

const ctx = () => createRequestContext({ deadlineMs: 2_000 });
const urlOf = (request: TransportRequest | undefined) =>
  request === undefined ? "" : request.baseUrl + request.path + queryString(request.query);

describe("ShopApi", () => {
  it("calls each service's documented path and returns its validated answer", async () => {
    const transport = new TableTransport(({ service, path }) => {
      const bodies: Record<string, unknown> = {
        "catalog /products/p1": product("p1"),
        "pricing /prices/p1": { productId: "p1", amount: 1999, currency: "USD", listAmount: 2499 },
        "reviews /reviews": { productId: "p1", average: null, count: 0, items: [] },
        "inventory /stock/p1": { productId: "p1", available: 3 },
        "shipping /quotes": {
          options: [{ method: "standard", cost: { amount: 499, currency: "USD" }, estimatedDays: 5 }],
        },
        "recommendations /recommendations": { items: [{ productId: "p7", reason: "bought-together" }] },
        "cart /carts/c1": { customerId: "c1", items: [{ productId: "p1", quantity: 2 }], itemCount: 2 },
        "orders /orders": {
          items: [
            {
              orderId: "o1",
              placedAt: "2026-01-01T00:00:00Z",
              status: "shipped",
              total: { amount: 1, currency: "USD" },
            },
          ],
        },
        "customers /customers/c1": { id: "c1", name: "Ann", email: "a@x", wishlist: ["p1"] },
      };
      return { status: 200, body: bodies[`${service} ${path}`] };
    });
    const shop = shopWith(transport);
    const c = ctx();
    await expect(shop.product(c, "p1")).resolves.toMatchObject({ id: "p1" });
    await expect(shop.price(c, "p1")).resolves.toMatchObject({ amount: 1999 });
    await expect(shop.reviews(c, "p1", 3)).resolves.toMatchObject({ average: null, count: 0 });
    await expect(shop.stock(c, "p1")).resolves.toEqual({ productId: "p1", available: 3 });
    await expect(shop.shippingQuotes(c, "p1")).resolves.toHaveLength(1);
    await expect(shop.recommendations(c, "p1", 10)).resolves.toEqual([
      { productId: "p7", reason: "bought-together" },
    ]);
    await expect(shop.cart(c, "c1")).resolves.toMatchObject({ itemCount: 2 });
    await expect(shop.orders(c, "c1", 3)).resolves.toHaveLength(1);
    await expect(shop.customer(c, "c1")).resolves.toMatchObject({ wishlist: ["p1"] });
    expect(transport.seen.map(urlOf)).toEqual([
      "http://catalog:1/products/p1",
      "http://pricing:1/prices/p1",
      "http://reviews:1/reviews?productId=p1&limit=3",
      "http://inventory:1/stock/p1",
      "http://shipping:1/quotes?productId=p1",
      "http://recommendations:1/recommendations?productId=p1&limit=10",
      "http://cart:1/carts/c1",
      "http://orders:1/orders?customerId=c1&limit=3",
      "http://customers:1/customers/c1",
    ]);
  });

  it("batches ids into one call and skips the call when there are none", async () => {
    const transport = new TableTransport(({ service }) =>
      service === "catalog"
        ? { status: 200, body: { items: [product("a"), product("b")] } }
        : { status: 200, body: { items: [] } },
    );
    const shop = shopWith(transport);
    await expect(shop.products(ctx(), ["a", "b"])).resolves.toHaveLength(2);
    await expect(shop.prices(ctx(), ["a"])).resolves.toEqual([]);
    await expect(shop.products(ctx(), [])).resolves.toEqual([]);
    await expect(shop.prices(ctx(), [])).resolves.toEqual([]);
    expect(transport.seen.map((r) => [r.service, r.path, r.query])).toEqual([
      ["catalog", "/products", { ids: "a,b" }],
      ["pricing", "/prices", { ids: "a" }],
    ]);
  });

  it("encodes ids into one path segment", async () => {
    const transport = new TableTransport(() => ({ status: 200, body: product("x") }));
    await shopWith(transport).product(ctx(), "a/b?c");
    expect(transport.seen[0]?.path).toBe("/products/a%2Fb%3Fc");
  });

  it("rejects, rather than throws, for an id that cannot be a path segment", async () => {
    const transport = new TableTransport(() => ({ status: 200, body: product("x") }));
    const pending = shopWith(transport).product(ctx(), "..");
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).rejects.toBeInstanceOf(InvalidInputError);
    expect(transport.seen).toHaveLength(0);
  });

  it("fails an answer that is not the documented shape", async () => {
    const transport = new TableTransport(() => ({ status: 200, body: { productId: "p1", amount: "19.99" } }));
    await expect(shopWith(transport).price(ctx(), "p1")).rejects.toBeInstanceOf(UpstreamBadResponseError);
  });
});

describe("ShopApi writes", () => {
  const CART = { customerId: "c1", items: [{ productId: "p1", quantity: 2 }], itemCount: 2 };
  const ORDER = {
    orderId: "o9",
    placedAt: "2026-01-01T00:00:00Z",
    status: "placed",
    total: { amount: 3998, currency: "USD" },
    items: [{ productId: "p1", quantity: 2 }],
  };
  const writeOf = (request: TransportRequest | undefined) => request as WriteRequest;

  it("sets and removes cart lines with PUT and DELETE, answering the cart", async () => {
    const transport = new TableTransport(() => ({ status: 200, body: CART }));
    const shop = shopWith(transport);
    await expect(shop.setCartLine(ctx(), "c1", "p1", 2)).resolves.toEqual(CART);
    await expect(shop.removeCartLine(ctx(), "c1", "p/1")).resolves.toEqual(CART);
    expect(transport.seen.map((r) => [r.service, writeOf(r).method, r.path, writeOf(r).body])).toEqual([
      ["cart", "PUT", "/carts/c1/items/p1", { quantity: 2 }],
      ["cart", "DELETE", "/carts/c1/items/p%2F1", undefined],
    ]);
  });

  it("places an order with POST /orders and its Idempotency-Key, and validates the order", async () => {
    const transport = new TableTransport(() => ({ status: 201, body: ORDER }));
    const order = { customerId: "c1", items: [{ productId: "p1", quantity: 2 }], shippingMethod: "express" };
    await expect(shopWith(transport).placeOrder(ctx(), order, "key-0000001")).resolves.toEqual(ORDER);
    const sent = writeOf(transport.seen[0]);
    expect(sent).toMatchObject({ service: "orders", method: "POST", path: "/orders", body: order });
    expect(sent.headers["idempotency-key"]).toBe("key-0000001");
  });

  it("reads one order with its customer", async () => {
    const transport = new TableTransport(() => ({ status: 200, body: { ...ORDER, customerId: "c1" } }));
    await expect(shopWith(transport).order(ctx(), "o9")).resolves.toEqual({ ...ORDER, customerId: "c1" });
    expect(transport.seen.map(urlOf)).toEqual(["http://orders:1/orders/o9"]);
  });

  it("relays the services' refusals with their reason", async () => {
    const transport = new TableTransport(({ service }) =>
      service === "cart"
        ? { status: 404, body: { error: "unknown_product" } }
        : { status: 409, body: { error: "out_of_stock", productId: "p1" } },
    );
    const shop = shopWith(transport);
    await expect(shop.setCartLine(ctx(), "c1", "nope", 1)).rejects.toSatisfy(
      (error) => error instanceof UpstreamNotFoundError && error.reason === "unknown_product",
    );
    await expect(
      shop.placeOrder(ctx(), { customerId: "c1", items: [], shippingMethod: "standard" }, "key-0000002"),
    ).rejects.toSatisfy(
      (error) =>
        error instanceof UpstreamWriteRejectedError &&
        error.status === 409 &&
        error.reason === "out_of_stock",
    );
  });

  it("fails an order answer that is not the documented shape", async () => {
    const transport = new TableTransport(() => ({ status: 201, body: { ...ORDER, items: "none" } }));
    await expect(
      shopWith(transport).placeOrder(
        ctx(),
        { customerId: "c1", items: [], shippingMethod: "standard" },
        "k-000003",
      ),
    ).rejects.toBeInstanceOf(UpstreamBadResponseError);
  });
});

describe("TOP_TEN_RECOMMENDATIONS", () => {
  it("holds ten frozen best sellers", () => {
    expect(TOP_TEN_RECOMMENDATIONS).toHaveLength(10);
    expect(new Set(TOP_TEN_RECOMMENDATIONS.map((r) => r.productId)).size).toBe(10);
    expect(Object.isFrozen(TOP_TEN_RECOMMENDATIONS)).toBe(true);
    expect(Object.isFrozen(TOP_TEN_RECOMMENDATIONS[0])).toBe(true);
  });
});

import {
  COMMON_HEADERS,
  createGateway,
  loadGatewayConfig,
  SERVICE_NAMES,
  UnauthorizedError,
} from "@portico/core";
import { type FakeShop, listenOnLoopback, openApiValidator, startFakeShop } from "@portico/test-support";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../app.js";
import { productPageSchema, wishlistSchema } from "./schemas.js";

// biome-ignore lint/suspicious/noExplicitAny: the test walks the document as served
type Json = Record<string, any>;

/** What web-bff serves its client, as `METHOD /openapi/path`. */
const SERVED = [
  "GET /api/product-page/{productId}",
  "GET /api/wishlist",
  "PUT /api/cart/items/{productId}",
  "DELETE /api/cart/items/{productId}",
  "POST /api/orders",
  "GET /api/orders/{orderId}",
  "GET /live",
  "GET /api/openapi.json",
];

let shop: FakeShop;
let url: string;
let closeApp: () => Promise<void>;
let document: Json;
let validator: ReturnType<typeof openApiValidator>;

beforeAll(async () => {
  shop = await startFakeShop();
  const env = {
    ...Object.fromEntries(
      SERVICE_NAMES.map((service) => [`${service.toUpperCase()}_URL`, shop.upstream.url]),
    ),
    UPSTREAM_TIMEOUT_MS: "1000",
    BREAKER_MIN_REQUESTS: "1000",
    // The suite shares two cores with others: a lagging loop must not shed these requests.
    MAX_EVENT_LOOP_LAG_MS: "0",
  };
  // A token `<customerId>.x.y` is that customer's; `bad.x.y` is refused.
  const gateway = createGateway(loadGatewayConfig(env, { defaultPort: 0 }), {
    verifyToken: async (token) => {
      const [sub] = token.split(".");
      if (sub === "bad" || sub === undefined) throw new UnauthorizedError("Invalid token");
      return { customerId: sub };
    },
  });
  const bff = createApp(gateway);
  const app = await listenOnLoopback(bff.app);
  url = app.url;
  closeApp = async () => {
    await app.close();
    await bff.close?.();
    await gateway.close();
  };
  const served = await fetch(`${url}/api/openapi.json`);
  document = (await served.clone().json()) as Json;
  validator = openApiValidator(document, Object.keys(COMMON_HEADERS));
  // The document's own answer conforms too.
  expect(validator.violations("get", "/api/openapi.json", served, document)).toEqual([]);
});

afterAll(async () => {
  await closeApp?.();
  await shop?.close();
});

beforeEach(() => shop.reset());

const bearer = (customerId: string) => ({ authorization: `Bearer ${customerId}.x.y` });
const JSON_BODY = { "content-type": "application/json" };

/** Sends a request and returns the answer with its parsed body (undefined when none). */
async function call(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
) {
  const response = await fetch(`${url}${path}`, { method, ...init });
  const text = await response.text();
  return { response, body: text === "" ? undefined : (JSON.parse(text) as Json) };
}

/** Asserts the answer's status and that it conforms to the document's description of it; returns its body. */
async function conforms(
  [method, template]: [string, string],
  path: string,
  status: number,
  init?: { headers?: Record<string, string>; body?: string },
): Promise<Json> {
  const { response, body } = await call(method, path, init);
  expect(response.status, `${method} ${path}: ${JSON.stringify(body)}`).toBe(status);
  expect(validator.violations(method.toLowerCase(), template, response, body), `${method} ${path}`).toEqual(
    [],
  );
  return body as Json;
}

const PAGE: [string, string] = ["GET", "/api/product-page/{productId}"];
const WISHLIST: [string, string] = ["GET", "/api/wishlist"];
const LIVE: [string, string] = ["GET", "/live"];
const CART_LINE_PUT: [string, string] = ["PUT", "/api/cart/items/{productId}"];
const CART_LINE_DELETE: [string, string] = ["DELETE", "/api/cart/items/{productId}"];
const ORDERS_POST: [string, string] = ["POST", "/api/orders"];
const ORDER_GET: [string, string] = ["GET", "/api/orders/{orderId}"];

describe("GET /api/openapi.json on web-bff", () => {
  it("is an OpenAPI 3.1 document, public and cacheable, of exactly what is served", async () => {
    const response = await fetch(`${url}/api/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("public, max-age=300");
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.components.securitySchemes.BearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(validator.operations().sort()).toEqual([...SERVED].sort());
    for (const operation of SERVED) {
      const [method, template] = operation.split(" ") as [string, string];
      const path = template.replace("{productId}", "p1").replace("{orderId}", "o-1");
      const { response: answer, body } = await call(method, path);
      expect(answer.status, operation).not.toBe(405);
      expect(body?.code, operation).not.toBe("ROUTE_NOT_FOUND");
    }
  });

  it("declares each route's security: optional bearer on the page, required on the wishlist and writes", () => {
    const security = (method: string, path: string) => document.paths[path][method].security;
    expect(security("get", "/api/product-page/{productId}")).toEqual([{}, { BearerAuth: [] }]);
    expect(security("get", "/live")).toEqual([]);
    expect(security("get", "/api/openapi.json")).toEqual([]);
    for (const [method, path] of [WISHLIST, CART_LINE_PUT, CART_LINE_DELETE, ORDERS_POST, ORDER_GET]) {
      expect(security(method.toLowerCase(), path), `${method} ${path}`).toEqual([{ BearerAuth: [] }]);
    }
    expect(document.paths["/live"].get.description).toMatch(/WebSocket/);
  });
});

describe("web-bff's answers validate against its document", () => {
  it("product page: fresh, anonymous and signed in, and 304", async () => {
    const anonymous = await conforms(PAGE, "/api/product-page/p1", 200);
    expect(anonymous.degraded).toEqual({});
    // p404 is recommended but unknown, p2 has no price, p3 no image: dropped, null, null.
    expect(anonymous.recommendations.map((r: Json) => r.productId)).not.toContain("p404");
    await call("PUT", "/api/cart/items/p2", {
      headers: { ...JSON_BODY, ...bearer("c1") },
      body: '{"quantity":2}',
    });
    await call("POST", "/api/orders", { headers: { ...bearer("c1"), "idempotency-key": "key-0000001" } });
    const signedIn = await conforms(PAGE, "/api/product-page/p1", 200, { headers: bearer("c1") });
    expect(signedIn.cart).toEqual({ itemCount: 2, items: [{ productId: "p2", quantity: 2 }] });
    expect(signedIn.orders).toHaveLength(1);
    expect((await conforms(PAGE, "/api/product-page/p2", 200)).product.price).toBeNull();
    const first = await fetch(`${url}/api/product-page/p1`);
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^W\//);
    await conforms(PAGE, "/api/product-page/p1", 304, { headers: { "if-none-match": etag as string } });
  });

  it("product page: every optional part degraded, and the recommendation batches", async () => {
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
    const degraded = await conforms(PAGE, "/api/product-page/p1", 200, { headers: bearer("c1") });
    expect(Object.keys(degraded.degraded).sort()).toEqual(
      [
        "cart",
        "inventory",
        "orders",
        "price",
        "recommendationPrices",
        "recommendations",
        "reviews",
        "shipping",
      ].sort(),
    );
    shop.reset();
    shop.failing.add("catalog");
    // The catalog is required: 502.
    await conforms(PAGE, "/api/product-page/p1", 502);
  });

  it("product page: problems 400, 401, 404", async () => {
    await conforms(PAGE, "/api/product-page/not%20an%20id", 400);
    await conforms(PAGE, "/api/product-page/p1", 401, { headers: { authorization: "Bearer bad.x.y" } });
    await conforms(PAGE, "/api/product-page/p404", 404);
  });

  it("wishlist: fresh, prices degraded, 401, 404 and 502", async () => {
    const fresh = await conforms(WISHLIST, "/api/wishlist", 200, { headers: bearer("c1") });
    expect(fresh.items.map((item: Json) => item.productId)).toEqual(["p1", "p2", "p3"]);
    shop.failing.add("pricing");
    const degraded = await conforms(WISHLIST, "/api/wishlist", 200, { headers: bearer("c1") });
    expect(degraded.degraded).toEqual({ prices: "empty" });
    await conforms(WISHLIST, "/api/wishlist", 401);
    await conforms(WISHLIST, "/api/wishlist", 404, { headers: bearer("c404") });
    shop.failing.add("customers");
    await conforms(WISHLIST, "/api/wishlist", 502, { headers: bearer("c1") });
  });

  it("/live over plain HTTP: a problem that says it is a WebSocket endpoint", async () => {
    // No broker here: live updates are off.
    const off = await conforms(LIVE, "/live?productId=p1", 503);
    expect(off.code).toBe("LIVE_UPDATES_OFF");
  });

  it("writes: the cart", async () => {
    expect(
      await conforms(CART_LINE_PUT, "/api/cart/items/p2", 200, {
        headers: { ...JSON_BODY, ...bearer("c1") },
        body: '{"quantity":3}',
      }),
    ).toEqual({ cart: { itemCount: 3, items: [{ productId: "p2", quantity: 3 }] } });
    await conforms(CART_LINE_DELETE, "/api/cart/items/p2", 200, { headers: bearer("c1") });
    await conforms(CART_LINE_PUT, "/api/cart/items/p404", 404, {
      headers: { ...JSON_BODY, ...bearer("c1") },
      body: '{"quantity":1}',
    });
    await conforms(CART_LINE_PUT, "/api/cart/items/p2", 400, {
      headers: { ...JSON_BODY, ...bearer("c1") },
      body: '{"quantity":1,"customerId":"c2"}',
    });
    await conforms(CART_LINE_PUT, "/api/cart/items/p2", 401, { headers: JSON_BODY, body: '{"quantity":1}' });
  });

  it("writes: orders, placed, replayed and read", async () => {
    await conforms(ORDERS_POST, "/api/orders", 422, {
      headers: { ...bearer("c1"), "idempotency-key": "key-empty-cart" },
    });
    await call("PUT", "/api/cart/items/p2", {
      headers: { ...JSON_BODY, ...bearer("c1") },
      body: '{"quantity":1}',
    });
    const placed = await conforms(ORDERS_POST, "/api/orders", 201, {
      headers: { ...JSON_BODY, ...bearer("c1"), "idempotency-key": "key-0000002" },
      body: '{"shippingMethod":"express"}',
    });
    await conforms(ORDERS_POST, "/api/orders", 400, {
      headers: { ...bearer("c1"), "idempotency-key": "short" },
    });
    const id = placed.order.orderId as string;
    await conforms(ORDER_GET, `/api/orders/${id}`, 200, { headers: bearer("c1") });
    await conforms(ORDER_GET, `/api/orders/${id}`, 404, { headers: bearer("c2") });
  });

  it("fails answers that drift from the document", async () => {
    const { response, body } = await call("GET", "/api/product-page/p1");
    const drifted = structuredClone(body) as Json;
    drifted.recommendations[0].score = 1;
    drifted.degraded = { price: "default" };
    const violations = validator
      .violations("get", "/api/product-page/{productId}", response, drifted)
      .join("\n");
    expect(violations).toMatch(/recommendations\/0 must NOT have additional properties/);
    expect(violations).toMatch(/degraded\/price must be equal to one of the allowed values/);
    expect(productPageSchema.safeParse(body).success).toBe(true);
    expect(productPageSchema.safeParse(drifted).success).toBe(false);
    expect(wishlistSchema.safeParse({ items: [{ productId: "p1" }], degraded: {} }).success).toBe(false);
  });
});

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
import { productDetailsSchema } from "./schemas.js";

// biome-ignore lint/suspicious/noExplicitAny: the test walks the document as served
type Json = Record<string, any>;

/** What mobile-bff serves its client, as `METHOD /openapi/path`. */
const SERVED = [
  "GET /productdetails/{productId}",
  "GET /productdetails",
  "GET /reviews",
  "PUT /cart/items/{productId}",
  "DELETE /cart/items/{productId}",
  "POST /orders",
  "GET /orders/{orderId}",
  "GET /openapi.json",
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
  const app = await listenOnLoopback(createApp(gateway));
  url = app.url;
  closeApp = async () => {
    await app.close();
    await gateway.close();
  };
  const served = await fetch(`${url}/openapi.json`);
  document = (await served.clone().json()) as Json;
  validator = openApiValidator(document, Object.keys(COMMON_HEADERS));
  // The document's own answer conforms too.
  expect(validator.violations("get", "/openapi.json", served, document)).toEqual([]);
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

const DETAILS: [string, string] = ["GET", "/productdetails/{productId}"];
const DETAILS_BY_QUERY: [string, string] = ["GET", "/productdetails"];
const REVIEWS: [string, string] = ["GET", "/reviews"];
const CART_LINE_PUT: [string, string] = ["PUT", "/cart/items/{productId}"];
const CART_LINE_DELETE: [string, string] = ["DELETE", "/cart/items/{productId}"];
const ORDERS_POST: [string, string] = ["POST", "/orders"];
const ORDER_GET: [string, string] = ["GET", "/orders/{orderId}"];

describe("GET /openapi.json on mobile-bff", () => {
  it("is an OpenAPI 3.1 document, public and cacheable, of exactly what is served", async () => {
    const response = await fetch(`${url}/openapi.json`);
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

  it("declares each route's security: optional bearer on reads, required on writes, none on public routes", () => {
    const security = (method: string, path: string) => document.paths[path][method].security;
    expect(security("get", "/productdetails/{productId}")).toEqual([{}, { BearerAuth: [] }]);
    expect(security("get", "/productdetails")).toEqual([{}, { BearerAuth: [] }]);
    expect(security("get", "/reviews")).toEqual([]);
    expect(security("get", "/openapi.json")).toEqual([]);
    for (const [method, path] of [CART_LINE_PUT, CART_LINE_DELETE, ORDERS_POST, ORDER_GET]) {
      expect(security(method.toLowerCase(), path), `${method} ${path}`).toEqual([{ BearerAuth: [] }]);
    }
    const post = document.paths["/orders"].post;
    expect(post.parameters).toEqual([
      expect.objectContaining({ name: "Idempotency-Key", in: "header", required: true }),
    ]);
    expect(Object.keys(post.responses["201"].headers)).toEqual(expect.arrayContaining(["Location"]));
  });
});

describe("mobile-bff's answers validate against its document", () => {
  it("product details: fresh, anonymous and signed in, and 304", async () => {
    const anonymous = await conforms(DETAILS, "/productdetails/p1", 200);
    expect(anonymous.degraded).toEqual({});
    expect(anonymous.cart).toBeNull();
    await call("PUT", "/cart/items/p2", {
      headers: { ...JSON_BODY, ...bearer("c1") },
      body: '{"quantity":2}',
    });
    await call("POST", "/orders", { headers: { ...bearer("c1"), "idempotency-key": "key-0000001" } });
    const signedIn = await conforms(DETAILS_BY_QUERY, "/productdetails?productid=p1", 200, {
      headers: bearer("c1"),
    });
    expect(signedIn.cart).toEqual({ itemCount: 2 });
    expect(signedIn.orders).toHaveLength(1);
    // p3 has no image and p2 no price: nulls, still as documented.
    expect((await conforms(DETAILS, "/productdetails/p3", 200)).product.imageUrl).toBeNull();
    expect((await conforms(DETAILS, "/productdetails/p2", 200)).product.price).toBeNull();
    const first = await fetch(`${url}/productdetails/p1`);
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^W\//);
    await conforms(DETAILS, "/productdetails/p1", 304, { headers: { "if-none-match": etag as string } });
  });

  it("product details: every optional part degraded", async () => {
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
    const body = await conforms(DETAILS, "/productdetails/p1", 200, { headers: bearer("c1") });
    expect(Object.keys(body.degraded).sort()).toEqual(
      ["cart", "inventory", "orders", "price", "recommendations", "reviews", "shipping"].sort(),
    );
  });

  it("product details: problems 400, 401, 404, 405 and 502", async () => {
    await conforms(DETAILS, "/productdetails/not%20an%20id", 400);
    await conforms(DETAILS_BY_QUERY, "/productdetails", 400);
    await conforms(DETAILS, "/productdetails/p1", 401, { headers: { authorization: "Bearer bad.x.y" } });
    await conforms(DETAILS, "/productdetails/p404", 404);
    const { response, body } = await call("POST", "/productdetails/p1");
    expect(response.status).toBe(405);
    expect(validator.violations("get", "/productdetails/{productId}", response, body)).toEqual([]);
    shop.failing.add("catalog");
    await conforms(DETAILS, "/productdetails/p1", 502);
  });

  it("the reviews pass-through: relayed 200 and 404, its own 400", async () => {
    await conforms(REVIEWS, "/reviews?productId=p1&limit=2", 200);
    await conforms(REVIEWS, "/reviews?productId=p404", 404);
    await conforms(REVIEWS, "/reviews?productId=bad!id", 400);
    await conforms(REVIEWS, "/reviews?productId=p1&limit=500", 400);
  });

  it("writes: the cart", async () => {
    const put = (productId: string, body: string, headers: Record<string, string> = JSON_BODY) =>
      conforms(CART_LINE_PUT, `/cart/items/${productId}`, 200, {
        headers: { ...headers, ...bearer("c1") },
        body,
      });
    expect(await put("p2", '{"quantity":3}')).toEqual({
      cart: { itemCount: 3, items: [{ productId: "p2", quantity: 3 }] },
    });
    await conforms(CART_LINE_DELETE, "/cart/items/p2", 200, { headers: bearer("c1") });
    const unknown = await conforms(CART_LINE_PUT, "/cart/items/p404", 404, {
      headers: { ...JSON_BODY, ...bearer("c1") },
      body: '{"quantity":1}',
    });
    expect(unknown.detail).toContain("unknown_product");
    await conforms(CART_LINE_PUT, "/cart/items/p2", 400, {
      headers: { ...JSON_BODY, ...bearer("c1") },
      body: '{"quantity":100}',
    });
    await conforms(CART_LINE_PUT, "/cart/items/p2", 415, {
      headers: { "content-type": "text/plain", ...bearer("c1") },
      body: "quantity=1",
    });
    await conforms(CART_LINE_PUT, "/cart/items/p2", 401, { headers: JSON_BODY, body: '{"quantity":1}' });
    shop.failing.add("cart");
    await conforms(CART_LINE_DELETE, "/cart/items/p2", 502, { headers: bearer("c1") });
  });

  it("writes: orders, placed, replayed and read", async () => {
    const order = (key: string | undefined, customerId = "c1") =>
      conforms(ORDERS_POST, "/orders", key === undefined ? 400 : 201, {
        headers: { ...bearer(customerId), ...(key === undefined ? {} : { "idempotency-key": key }) },
      });
    // An empty cart is 422, kept for its key and replayed as it was.
    const emptyCart = { headers: { ...bearer("c1"), "idempotency-key": "key-empty-cart" } };
    await conforms(ORDERS_POST, "/orders", 422, emptyCart);
    const again = await call("POST", "/orders", emptyCart);
    expect([again.response.status, again.response.headers.get("idempotent-replayed")]).toEqual([422, "true"]);
    expect(validator.violations("post", "/orders", again.response, again.body)).toEqual([]);
    await call("PUT", "/cart/items/p2", {
      headers: { ...JSON_BODY, ...bearer("c1") },
      body: '{"quantity":1}',
    });
    const placed = await order("key-0000002");
    const replay = await fetch(`${url}/orders`, {
      method: "POST",
      headers: { ...bearer("c1"), "idempotency-key": "key-0000002" },
    });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(validator.violations("post", "/orders", replay, await replay.json())).toEqual([]);
    await order(undefined);
    await conforms(ORDERS_POST, "/orders", 400, {
      headers: { ...JSON_BODY, ...bearer("c1"), "idempotency-key": "key-0000003" },
      body: '{"shippingMethod":"drone"}',
    });
    const id = placed.order.orderId as string;
    expect((await conforms(ORDER_GET, `/orders/${id}`, 200, { headers: bearer("c1") })).order.orderId).toBe(
      id,
    );
    await conforms(ORDER_GET, `/orders/${id}`, 404, { headers: bearer("c2") });
    await conforms(ORDER_GET, "/orders/o-unknown", 404, { headers: bearer("c1") });
    await conforms(ORDER_GET, `/orders/${id}`, 401);
  });

  it("fails an answer that drifts from the document", async () => {
    const { response, body } = await call("GET", "/productdetails/p1");
    const drifted = structuredClone(body) as Json;
    drifted.product.sku = "extra";
    delete drifted.inventory;
    const violations = validator.violations("get", "/productdetails/{productId}", response, drifted);
    expect(violations.join("\n")).toMatch(/additional/);
    expect(violations.join("\n")).toMatch(/inventory/);
    // The schema the route's answer type comes from is the one documented.
    expect(productDetailsSchema.safeParse(body).success).toBe(true);
    expect(productDetailsSchema.safeParse(drifted).success).toBe(false);
  });
});

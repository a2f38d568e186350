import { seed } from "@portico/demo-services";
import { describe, expect, it } from "vitest";
import { expectProblem } from "../support/problem.js";
import { type DemoShop, injectFault } from "../support/processes.js";
import { json, type MobileProductDetails } from "../support/shapes.js";
import { useStack } from "../support/stack.js";
import { bearer, demoToken, foreignEs256Token, unsignedToken, validClaims } from "../support/tokens.js";

const stack = useStack({ app: "mobile-bff", bffEnv: { BREAKER_MIN_REQUESTS: "1000" }, clearFaults: true });

describe("mobile product details for a signed-in customer", () => {
  it("adds the cart item count and the three most recent orders", async () => {
    const token = await demoToken(stack.shop, { customerId: "c1" });
    const response = await fetch(`${stack.bff.url}/productdetails/p1`, { headers: bearer(token) });
    expect(response.status).toBe(200);
    const body = await json<MobileProductDetails>(response);
    const cart = seed.carts.c1 ?? [];
    expect(body.cart).toEqual({ itemCount: cart.reduce((sum, line) => sum + line.quantity, 0) });
    expect(body.orders).toEqual(
      (seed.orders.c1 ?? [])
        .slice(0, 3)
        .map(({ orderId, placedAt, status }) => ({ orderId, placedAt, status })),
    );
    expect(body.degraded).toEqual({});
  });

  it("gives an empty cart's count as 0 and no orders as []", async () => {
    const token = await demoToken(stack.shop, { customerId: "c3" });
    const body = await json<MobileProductDetails>(
      await fetch(`${stack.bff.url}/productdetails/p2`, { headers: bearer(token) }),
    );
    expect(body.cart).toEqual({ itemCount: 0 });
    expect(body.orders).toEqual([]);
  });

  it("degrades only the cart when the cart service fails", async () => {
    const token = await demoToken(stack.shop, { customerId: "c1" });
    await injectFault(stack.shop, "cart", { mode: "error", status: 503 });
    const body = await json<MobileProductDetails>(
      await fetch(`${stack.bff.url}/productdetails/p1`, { headers: bearer(token) }),
    );
    expect(body.cart).toBeNull();
    expect(body.orders).not.toBeNull();
    expect(body.degraded).toEqual({ cart: "empty" });
  });

  it("never calls cart or orders for an anonymous caller", async () => {
    await injectFault(stack.shop, "cart", { mode: "error", status: 500 });
    await injectFault(stack.shop, "orders", { mode: "error", status: 500 });
    const body = await json<MobileProductDetails>(await fetch(`${stack.bff.url}/productdetails/p1`));
    expect(body.cart).toBeNull();
    expect(body.orders).toBeNull();
    expect(body.degraded).toEqual({});
  });
});

describe("mobile product details with bad credentials answers 401, never an anonymous page", () => {
  const cases: [string, (shop: DemoShop) => Promise<Record<string, string>>][] = [
    ["a garbage token", async () => bearer("not-a-jwt")],
    ["a non-Bearer scheme", async () => ({ authorization: "Basic YWxhZGRpbjpvcGVuc2VzYW1l" })],
    ["an expired token", async (s) => bearer(await demoToken(s, { customerId: "c1", expiresIn: -60 }))],
    [
      "a wrong audience",
      async (s) => bearer(await demoToken(s, { customerId: "c1", audience: "someone-else" })),
    ],
    ["a wrong issuer", async (s) => bearer(await demoToken(s, { customerId: "c1", issuer: "evil-issuer" }))],
    ["alg none", async () => bearer(unsignedToken(validClaims()))],
    ["a key not in the JWKS", async () => bearer(foreignEs256Token(validClaims()))],
    ["a subject that is not an id", async (s) => bearer(await demoToken(s, { subject: "../c1" }))],
  ];
  for (const [label, headersFor] of cases) {
    it(`for ${label}`, async () => {
      const response = await fetch(`${stack.bff.url}/productdetails/p1`, {
        headers: await headersFor(stack.shop),
      });
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer realm="portico"/);
      await expectProblem(response, 401, "/productdetails/p1");
    });
  }
});

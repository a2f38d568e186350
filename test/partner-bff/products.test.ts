import { seed } from "@portico/demo-services";
import { describe, expect, it } from "vitest";
import { expectProblem } from "../support/problem.js";
import { injectFault, recordedRequests } from "../support/processes.js";
import { useStack } from "../support/stack.js";

const KEY = "e2e-products-key-0123";
const headers = (requestId?: string): Record<string, string> => ({
  "x-api-key": KEY,
  ...(requestId === undefined ? {} : { "x-request-id": requestId }),
});

const stack = useStack({
  app: "partner-bff",
  bffEnv: {
    PARTNER_KEYS: JSON.stringify([{ key: KEY, name: "e2e", ratePerMinute: 10_000 }]),
    BREAKER_MIN_REQUESTS: "1000",
  },
  clearFaults: true,
});

/** The partner view of a seed product, fresh from every service. */
function expected(id: string, availability: string) {
  const product = seed.products.find((p) => p.id === id);
  const price = seed.prices.find((p) => p.productId === id);
  if (product === undefined || price === undefined) throw new Error(`no seed product ${id}`);
  return {
    id,
    name: product.name,
    description: product.description,
    brand: product.brand,
    images: product.images.map(({ url, width, height }) => ({ url, width, height })),
    price: { amount: price.amount, currency: price.currency },
    availability,
    degraded: {},
  };
}

describe("GET /v1/products/{id} on partner-bff", () => {
  it.each([
    ["p2", "in_stock"],
    ["p1", "low_stock"],
    ["p4", "low_stock"],
    ["p3", "out_of_stock"],
  ])("answers %s with the shop's values and availability %s", async (id, availability) => {
    expect(seed.stock[id]).toBeDefined();
    const response = await fetch(`${stack.bff.url}/v1/products/${id}`, { headers: headers() });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(expected(id, availability));
  });

  it("echoes the request id, forwards it upstream, times each service and meters the key", async () => {
    const response = await fetch(`${stack.bff.url}/v1/products/p5`, { headers: headers("partner-single-1") });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("partner-single-1");
    const timing = response.headers.get("server-timing") ?? "";
    for (const service of ["catalog", "pricing", "inventory"])
      expect(timing).toMatch(new RegExp(`${service};dur=`));
    expect(response.headers.get("ratelimit-limit")).toBe("10000");
    expect(Number(response.headers.get("ratelimit-remaining"))).toBeLessThan(10_000);
    expect(Number(response.headers.get("ratelimit-reset"))).toBeGreaterThan(0);
    const seen = (await recordedRequests(stack.shop)).filter((r) => r.requestId === "partner-single-1");
    expect(seen.map((r) => `${r.service} ${r.path}`).sort()).toEqual([
      "catalog /products/p5",
      "inventory /stock/p5",
      "pricing /prices/p5",
    ]);
  });

  it("answers 404 problem+json, with the RateLimit headers, for a product the catalog does not know", async () => {
    const response = await fetch(`${stack.bff.url}/v1/products/p999`, { headers: headers() });
    await expectProblem(response, 404, "/v1/products/p999");
    expect(response.headers.get("ratelimit-limit")).toBe("10000");
  });

  it("answers 400 for a malformed id and never calls a service", async () => {
    const response = await fetch(`${stack.bff.url}/v1/products/p1;drop`, {
      headers: headers("partner-bad-id"),
    });
    await expectProblem(response, 400);
    const seen = (await recordedRequests(stack.shop)).filter((r) => r.requestId === "partner-bad-id");
    expect(seen).toEqual([]);
  });

  it("serves the last known price (cache), else null (empty), when pricing fails", async () => {
    expect((await fetch(`${stack.bff.url}/v1/products/p8`, { headers: headers() })).status).toBe(200);
    await injectFault(stack.shop, "pricing", { mode: "error", status: 500 });

    const remembered = (await (
      await fetch(`${stack.bff.url}/v1/products/p8`, { headers: headers() })
    ).json()) as {
      price: unknown;
      degraded: unknown;
    };
    expect(remembered.price).toEqual(expected("p8", "in_stock").price);
    expect(remembered.degraded).toEqual({ price: "cache" });

    const never = await (await fetch(`${stack.bff.url}/v1/products/p10`, { headers: headers() })).json();
    expect(never).toEqual({ ...expected("p10", "in_stock"), price: null, degraded: { price: "empty" } });
  });

  it("answers availability unknown with degraded availability=empty when inventory refuses connections", async () => {
    await injectFault(stack.shop, "inventory", { mode: "refuse" });
    const response = await fetch(`${stack.bff.url}/v1/products/p3`, { headers: headers() });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      ...expected("p3", "unknown"),
      degraded: { availability: "empty" },
    });
  });

  it("answers 502 problem+json when the catalog fails", async () => {
    await injectFault(stack.shop, "catalog", { mode: "error", status: 500 });
    const response = await fetch(`${stack.bff.url}/v1/products/p1`, { headers: headers() });
    await expectProblem(response, 502, "/v1/products/p1");
    expect(response.headers.get("ratelimit-remaining")).not.toBeNull();
  });
});

describe("GET /v1/products?ids= on partner-bff", () => {
  it("answers the known ids in order, once each, and lists the missing ones", async () => {
    const response = await fetch(`${stack.bff.url}/v1/products?ids=p2,p999,p3,p2,p1`, { headers: headers() });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      items: [expected("p2", "in_stock"), expected("p3", "out_of_stock"), expected("p1", "low_stock")],
      missing: ["p999"],
      degraded: {},
    });
  });

  it("makes one batched catalog call, one batched pricing call and one inventory call per id", async () => {
    const response = await fetch(`${stack.bff.url}/v1/products?ids=p11,p12,p13,p404`, {
      headers: headers("partner-batch-calls"),
    });
    expect(response.status).toBe(200);
    const seen = (await recordedRequests(stack.shop)).filter((r) => r.requestId === "partner-batch-calls");
    const byService = (service: string) => seen.filter((r) => r.service === service);
    expect(byService("catalog")).toHaveLength(1);
    expect(byService("catalog")[0]?.path).toBe("/products");
    expect(decodeURIComponent(byService("catalog")[0]?.query ?? "")).toBe("ids=p11,p12,p13,p404");
    expect(byService("pricing")).toHaveLength(1);
    expect(byService("pricing")[0]?.path).toBe("/prices");
    expect(
      byService("inventory")
        .map((r) => r.path)
        .sort(),
    ).toEqual(["/stock/p11", "/stock/p12", "/stock/p13", "/stock/p404"].sort());
    expect(new Set(seen.map((r) => r.service))).toEqual(new Set(["catalog", "pricing", "inventory"]));
  });

  it("answers 50 ids, and 400 for 51 without calling a service", async () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `p${i + 1}`).join(",");
    const fifty = await fetch(`${stack.bff.url}/v1/products?ids=${ids(50)}`, { headers: headers() });
    expect(fifty.status).toBe(200);
    const body = (await fifty.json()) as { items: unknown[]; missing: unknown[] };
    expect(body.items).toHaveLength(seed.products.length);
    expect(body.missing).toHaveLength(50 - seed.products.length);

    const response = await fetch(`${stack.bff.url}/v1/products?ids=${ids(51)}`, {
      headers: headers("partner-51"),
    });
    const problem = await expectProblem(response, 400, "/v1/products");
    expect(problem.detail).toMatch(/at most 50/);
    expect((await recordedRequests(stack.shop)).filter((r) => r.requestId === "partner-51")).toEqual([]);
  });

  it.each([
    ["no ids", ""],
    ["an empty list", "?ids="],
    ["an empty id", "?ids=p1,,p2"],
    ["a malformed id", "?ids=p1,p%202"],
  ])("answers 400 for %s", async (_label, query) => {
    await expectProblem(await fetch(`${stack.bff.url}/v1/products${query}`, { headers: headers() }), 400);
  });

  it("answers every price null with degraded price=empty when the pricing batch fails", async () => {
    await injectFault(stack.shop, "pricing", { mode: "error", status: 503 });
    const response = await fetch(`${stack.bff.url}/v1/products?ids=p1,p2`, { headers: headers() });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      items: [
        { ...expected("p1", "low_stock"), price: null, degraded: { price: "empty" } },
        { ...expected("p2", "in_stock"), price: null, degraded: { price: "empty" } },
      ],
      missing: [],
      degraded: { price: "empty" },
    });
  });

  it("marks only the item whose inventory call failed", async () => {
    await injectFault(stack.shop, "inventory", { mode: "error", status: 500, paths: ["/stock/p9"] });
    const response = await fetch(`${stack.bff.url}/v1/products?ids=p9,p7`, { headers: headers() });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      items: [
        { ...expected("p9", "unknown"), degraded: { availability: "empty" } },
        expected("p7", "in_stock"),
      ],
      missing: [],
      degraded: { availability: "empty" },
    });
  });

  it("answers 502 problem+json when the catalog batch fails", async () => {
    await injectFault(stack.shop, "catalog", { mode: "malformed" });
    await expectProblem(
      await fetch(`${stack.bff.url}/v1/products?ids=p1,p2`, { headers: headers() }),
      502,
      "/v1/products",
    );
  });
});

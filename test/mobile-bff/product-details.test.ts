import { TOP_TEN_RECOMMENDATIONS } from "@portico/core";
import { seed } from "@portico/demo-services";
import { describe, expect, it } from "vitest";
import { expectProblem } from "../support/problem.js";
import { clearRecordedRequests, injectFault, recordedRequests } from "../support/processes.js";
import { json, type MobileProductDetails } from "../support/shapes.js";
import { useStack } from "../support/stack.js";

const stack = useStack({ app: "mobile-bff", bffEnv: { BREAKER_MIN_REQUESTS: "1000" }, clearFaults: true });

const product = (id: string) => {
  const found = seed.products.find((p) => p.id === id);
  if (!found) throw new Error(`no seed product ${id}`);
  return found;
};

describe("GET /productdetails/{id} on mobile-bff", () => {
  it("answers every part of the contract shape with the shop's values", async () => {
    const response = await fetch(`${stack.bff.url}/productdetails/p1`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const body = await json<MobileProductDetails>(response);

    const p1 = product("p1");
    const price = seed.prices.find((p) => p.productId === "p1");
    const reviews = seed.reviews.p1 ?? [];
    const available = seed.stock.p1 as number;
    expect(body.product).toEqual({
      id: "p1",
      name: p1.name,
      description: p1.description,
      imageUrl: p1.images[0]?.url,
      price: { amount: price?.amount, currency: price?.currency },
    });
    expect(body.reviews.count).toBe(reviews.length);
    expect(body.reviews.average).toBeCloseTo(
      reviews.reduce((sum, r) => sum + r.rating, 0) / reviews.length,
      1,
    );
    expect(body.reviews.top).toEqual(
      reviews.slice(0, 3).map(({ author, rating, title }) => ({ author, rating, title })),
    );
    expect(body.inventory).toEqual({ available, lowStock: available <= 5 });
    expect(body.shipping).toEqual(
      (seed.shipping.p1 ?? []).map(({ method, cost, estimatedDays }) => ({ method, cost, estimatedDays })),
    );
    expect(body.recommendations).toEqual(
      (seed.recommendations.p1 ?? []).slice(0, 10).map(({ productId, reason }) => ({ productId, reason })),
    );
    expect(body.cart).toBeNull();
    expect(body.orders).toBeNull();
    expect(body.degraded).toEqual({});
    expect(Object.keys(body).sort()).toEqual(
      ["cart", "degraded", "inventory", "orders", "product", "recommendations", "reviews", "shipping"].sort(),
    );
  });

  it("answers the query form ?productid= with the same body", async () => {
    const [byPath, byQuery] = await Promise.all([
      fetch(`${stack.bff.url}/productdetails/p2`).then((r) => json<MobileProductDetails>(r)),
      fetch(`${stack.bff.url}/productdetails?productid=p2`).then((r) => json<MobileProductDetails>(r)),
    ]);
    expect(byQuery).toEqual(byPath);
    expect(byQuery.product.id).toBe("p2");
  });

  it("echoes a well-formed X-Request-Id, forwards it upstream and times each service", async () => {
    await clearRecordedRequests(stack.shop);
    const response = await fetch(`${stack.bff.url}/productdetails/p3`, {
      headers: { "x-request-id": "test-req.42" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("test-req.42");
    const timing = response.headers.get("server-timing") ?? "";
    for (const service of ["catalog", "pricing", "reviews", "inventory", "shipping", "recommendations"]) {
      expect(timing).toMatch(new RegExp(`(^|, )${service};dur=\\d+(\\.\\d+)?`));
    }
    expect(timing).not.toMatch(/cart|orders/);
    const seen = (await recordedRequests(stack.shop)).filter((r) => r.requestId === "test-req.42");
    expect(new Set(seen.map((r) => r.service))).toEqual(
      new Set(["catalog", "pricing", "reviews", "inventory", "shipping", "recommendations"]),
    );
  });

  it("replaces a malformed X-Request-Id with a fresh one", async () => {
    const response = await fetch(`${stack.bff.url}/productdetails/p1`, {
      headers: { "x-request-id": "bad id!" },
    });
    const id = response.headers.get("x-request-id") ?? "";
    expect(id).not.toBe("bad id!");
    expect(id).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
  });

  it("serves the static top-ten with degraded recommendations=default when recommendations fails", async () => {
    await injectFault(stack.shop, "recommendations", { mode: "error", status: 500 });
    const response = await fetch(`${stack.bff.url}/productdetails/p1`);
    expect(response.status).toBe(200);
    const body = await json<MobileProductDetails>(response);
    expect(body.recommendations).toEqual(TOP_TEN_RECOMMENDATIONS);
    expect(body.degraded).toEqual({ recommendations: "default" });
    expect(body.product.id).toBe("p1");
  });

  it("serves inventory null with degraded inventory=empty when inventory refuses connections", async () => {
    await injectFault(stack.shop, "inventory", { mode: "refuse" });
    const response = await fetch(`${stack.bff.url}/productdetails/p4`);
    expect(response.status).toBe(200);
    const body = await json<MobileProductDetails>(response);
    expect(body.inventory).toBeNull();
    expect(body.degraded).toEqual({ inventory: "empty" });
  });

  it("answers 404 problem+json for a product the catalog does not know", async () => {
    const response = await fetch(`${stack.bff.url}/productdetails/p999`);
    await expectProblem(response, 404, "/productdetails/p999");
  });

  it.each([
    ["a space", "/productdetails/p%201"],
    ["a dot-dot segment", "/productdetails/..%2Fadmin"],
    ["a semicolon", "/productdetails/p1;drop"],
    ["65 characters", `/productdetails/${"a".repeat(65)}`],
    ["an empty query id", "/productdetails?productid="],
    ["a missing query id", "/productdetails"],
    ["a repeated query id", "/productdetails?productid=p1&productid=p2"],
  ])("answers 400 for an id with %s and never calls a service", async (_label, path) => {
    await clearRecordedRequests(stack.shop);
    const response = await fetch(`${stack.bff.url}${path}`, {
      headers: { "x-request-id": "bad-input-probe" },
    });
    await expectProblem(response, 400);
    const seen = (await recordedRequests(stack.shop)).filter((r) => r.requestId === "bad-input-probe");
    expect(seen).toEqual([]);
  });

  it("answers 405 with Allow for another method and 404 problem+json for an unknown path", async () => {
    const post = await fetch(`${stack.bff.url}/productdetails/p1`, { method: "POST" });
    expect(post.headers.get("allow")).toContain("GET");
    await expectProblem(post, 405);
    await expectProblem(await fetch(`${stack.bff.url}/nope`), 404, "/nope");
  });

  it("answers /healthz", async () => {
    const response = await fetch(`${stack.bff.url}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-powered-by")).toBeNull();
  });
});
